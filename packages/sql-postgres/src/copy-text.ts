import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { WRITE_BOOLEAN, WRITE_INSTANT, WRITE_NUMBER, WRITE_TEXT, textWriterOf } from "@dataflow/sql-core";

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

/** One non-null value of a field as COPY text; the same text as `copyField(dialect.encode(field, value))`. */
function copyValue(dialect: Dialect, field: ModelField, writer: number, value: unknown): string {
  switch (writer) {
    case WRITE_NUMBER:
      if (typeof value === "number") return String(value);
      break;
    case WRITE_BOOLEAN:
      if (typeof value === "boolean") return value ? "t" : "f";
      break;
    case WRITE_TEXT:
      if (typeof value === "string") return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, escape) : value;
      break;
    case WRITE_INSTANT: {
      // A timestamptz literal holds digits, '-', ':', '.', 'T', 'Z', '+', ' ' and "BC": nothing to escape.
      const text = value instanceof Date ? dialect.encode(field, value) : undefined;
      if (typeof text === "string") return text;
      break;
    }
  }
  return copyField(dialect.encode(field, value));
}

/** The positional rows (values in the order of `fields`) as COPY text lines, in chunks of `rowsPerChunk` rows (each chunk a string). */
export function* copyChunks(
  dialect: Dialect,
  fields: readonly ModelField[],
  rows: readonly (readonly unknown[])[],
  rowsPerChunk = 2000,
  /** Told the rows of each chunk as it is handed to the connection (progress). */
  onRows?: (count: number) => void,
): Generator<string> {
  const writers = fields.map(textWriterOf);
  const last = fields.length - 1;
  let chunk = "";
  let inChunk = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let j = 0; j <= last; j++) {
      const v = row[j];
      chunk += v === null || v === undefined ? "\\N" : copyValue(dialect, fields[j]!, writers[j]!, v);
      chunk += j === last ? "\n" : "\t";
    }
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
