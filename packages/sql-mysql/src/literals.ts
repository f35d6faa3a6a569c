import mysql from "mysql2";

/**
 * SQL literal of a value as `Dialect.encode` returns it (string, number, bigint or null), for
 * statements built as text (bulk INSERT). Strings use backslash escapes, which the adapter's
 * sessions honour (their sql_mode never has NO_BACKSLASH_ESCAPES).
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  switch (typeof value) {
    case "number":
    case "bigint":
      return String(value);
    case "boolean":
      return value ? "1" : "0";
    case "string":
      return mysql.escape(value);
    default:
      return mysql.escape(String(value));
  }
}
