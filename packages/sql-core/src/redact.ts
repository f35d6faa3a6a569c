/**
 * The shape of a statement that carries its values as literals (a bulk INSERT built as text), for
 * logs and traces: string and numeric literals become `?`, and a run of identical tuples is cut to
 * one and a count. Statements with bound values never need it.
 */
export function redactLiterals(text: string): string {
  const shaped = text.replace(/'(?:[^'\\]|\\.|'')*'/g, "?").replace(/(?<![\w`"$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w`"$])/g, "?");
  return shaped.replace(/(\([?, ]*\))(?:, \1)+/g, (run, tuple: string) => `${tuple}, ... (${run.split("), (").length} rows)`);
}
