import type { ModelField } from "@dataflow/kernel/plugin";
import { WRITE_BOOLEAN, WRITE_INSTANT, WRITE_NUMBER, WRITE_TEXT, textWriterOf } from "@dataflow/sql-core";
import mysql from "mysql2";
import type { MysqlDialect } from "./dialect.js";

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

/** Per bound column of a bulk INSERT: its field and literal writer, resolved once per statement shape. */
export interface RowLiterals {
  readonly dialect: MysqlDialect;
  readonly fields: readonly ModelField[];
  readonly writers: readonly number[];
  /** The last instant written and its literal: rows written together share created_at / updated_at. */
  lastTime: number;
  lastLiteral: string;
}

export function rowLiterals(dialect: MysqlDialect, fields: readonly ModelField[]): RowLiterals {
  return { dialect, fields, writers: fields.map(textWriterOf), lastTime: Number.NaN, lastLiteral: "" };
}

/** One non-null value as a literal; the same text as `sqlLiteral(dialect.encode(field, value))`. */
function literalOf(literals: RowLiterals, field: ModelField, writer: number, value: unknown): string {
  switch (writer) {
    case WRITE_NUMBER:
      if (typeof value === "number") return String(value);
      break;
    case WRITE_BOOLEAN:
      if (typeof value === "boolean") return value ? "1" : "0";
      break;
    case WRITE_TEXT:
      if (typeof value === "string") return mysql.escape(value);
      break;
    case WRITE_INSTANT:
      if (value instanceof Date) {
        const time = value.getTime();
        if (time !== literals.lastTime) {
          literals.lastLiteral = sqlLiteral(literals.dialect.encode(field, value));
          literals.lastTime = time;
        }
        return literals.lastLiteral;
      }
      break;
  }
  return sqlLiteral(literals.dialect.encode(field, value));
}

/** A positional row (values in the order of the literals' fields) as a VALUES tuple, `(v1, v2, ...)`, built without intermediate arrays. */
export function tupleOf(literals: RowLiterals, values: readonly unknown[]): string {
  const { fields, writers } = literals;
  let tuple = "(";
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    if (i > 0) tuple += ", ";
    tuple += v === null || v === undefined ? "NULL" : literalOf(literals, fields[i]!, writers[i]!, v);
  }
  return `${tuple})`;
}

/**
 * Appends a positional row's bind values to `out` and returns an upper bound of their size in a
 * prepared statement's packet (UTF-8 text, length prefixes and parameter types), without measuring
 * each string's bytes. Values are as `dialect.encode` returns them, except instants: a Date goes
 * as the protocol's binary DATETIME (the connections' time zone is UTC), which the server stores
 * without parsing text.
 */
export function pushValues(literals: RowLiterals, values: readonly unknown[], out: unknown[]): number {
  const { fields, writers, dialect } = literals;
  let bytes = 1 + fields.length * 11;
  for (let i = 0; i < fields.length; i++) {
    const v = values[i];
    let bound: unknown;
    if (v === null || v === undefined) bound = null;
    else {
      const writer = writers[i]!;
      if (writer === WRITE_NUMBER && typeof v === "number") bound = v;
      else if (writer === WRITE_TEXT && typeof v === "string") bound = v;
      else if (writer === WRITE_BOOLEAN && typeof v === "boolean") bound = v ? 1 : 0;
      else if (writer === WRITE_INSTANT && v instanceof Date) bound = v;
      else bound = dialect.encode(fields[i]!, v);
      if (typeof bound === "string") bytes += bound.length * 3;
    }
    out.push(bound);
  }
  return bytes;
}
