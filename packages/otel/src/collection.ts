const TABLE =
  /\b(?:FROM|INTO|UPDATE|JOIN|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+((?:[`"][^`"]+[`"]|[A-Za-z_][\w$]*)(?:\.(?:[`"][^`"]+[`"]|[A-Za-z_][\w$]*))?)/i;

/**
 * The table a statement works on (OpenTelemetry's `db.collection.name`): the first name after
 * FROM, INTO, UPDATE, JOIN or TABLE, unquoted; undefined when there is none (BEGIN, SELECT 1).
 */
export function collectionOf(text: string): string | undefined {
  const match = TABLE.exec(text);
  if (!match) return undefined;
  return match[1]!.replace(/[`"]/g, "");
}
