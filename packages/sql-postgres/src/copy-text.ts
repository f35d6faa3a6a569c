import type { ModelField, RowData } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const escape = (c: string) => ESCAPES[c]!;

/**
 * One value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return
 * escaped, everything else (emoji, quotes, SQL-looking text) verbatim.
 */
export function copyField(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "string" ? value : typeof value === "boolean" ? (value ? "t" : "f") : String(value);
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, escape) : text;
}

/** The rows as COPY text lines, in chunks of `rowsPerChunk` rows (each chunk a string). */
export function* copyChunks(
  dialect: Dialect,
  fields: readonly ModelField[],
  rows: readonly RowData[],
  rowsPerChunk = 2000,
  /** Told the rows of each chunk as it is handed to the connection (progress). */
  onRows?: (count: number) => void,
): Generator<string> {
  let chunk = "";
  let inChunk = 0;
  for (const row of rows) {
    let line = "";
    for (let j = 0; j < fields.length; j++) {
      const f = fields[j]!;
      const v = row[f.name];
      if (j > 0) line += "\t";
      line += copyField(v === null || v === undefined ? null : dialect.encode(f, v));
    }
    chunk += `${line}\n`;
    if (++inChunk === rowsPerChunk) {
      onRows?.(inChunk);
      yield chunk;
      chunk = "";
      inChunk = 0;
    }
  }
  if (chunk) {
    onRows?.(inChunk);
    yield chunk;
  }
}
