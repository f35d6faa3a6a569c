import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect, TransactionOptions } from "@dataflow/sql-core";
import { lastInstantFormatter } from "@dataflow/sql-core";
import { createRequire } from "node:module";
import type { RE2JS } from "re2js";
import { decimalKey } from "./decimal-key.js";

export { decimalKey };

const ISO_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))";

function quoteString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const instantText = lastInstantFormatter((date) => date.toISOString());

/** The value of the digits `text[from..to)`, or -1 when one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** The last instant parsed: a row's `created_at` and `updated_at` are often the same text. */
let lastText = "";
let lastTime = 0;

/** Parses the fixed ISO-8601 form this dialect stores (`2024-01-31T12:00:00.000Z`); anything else goes to `Date`. */
function parseInstant(text: string): Date {
  if (text === lastText) return new Date(lastTime);
  if (text.length === 24 && text.charCodeAt(10) === 84 && text.charCodeAt(23) === 90) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 7);
    const day = digits(text, 8, 10);
    const hour = digits(text, 11, 13);
    const minute = digits(text, 14, 16);
    const second = digits(text, 17, 19);
    const ms = digits(text, 20, 23);
    if (year >= 100 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && ms >= 0) {
      const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
      lastText = text;
      lastTime = time;
      return new Date(time);
    }
  }
  return new Date(text);
}

const toBigInt = (v: unknown) => (typeof v === "bigint" ? v : BigInt(v as number));
const toNumber = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);

const encodeBoolean = (value: unknown) => (value ? 1 : 0);
const encodeInstant = (value: unknown) => instantText(value as Date);
const encodeJson = (value: unknown) => JSON.stringify(value);

/** Compiled `$regex` patterns (RE2: linear-time matching, no backtracking), most recently used last. */
const patterns = new Map<string, RE2JS>();
const MAX_PATTERNS = 256;

/** RE2 (about 260 kB of code) is loaded on the first `$regex`, not at startup. */
let engine: typeof RE2JS | undefined;

function re2(): typeof RE2JS {
  engine ??= (createRequire(import.meta.url)("re2js") as { RE2JS: typeof RE2JS }).RE2JS;
  return engine;
}

/** The RE2 program of a pattern; throws RE2's syntax error for what RE2 cannot run. */
export function compileRegex(pattern: string): RE2JS {
  let compiled = patterns.get(pattern);
  if (compiled) {
    patterns.delete(pattern);
  } else {
    compiled = re2().compile(pattern);
    if (patterns.size >= MAX_PATTERNS) patterns.delete(patterns.keys().next().value!);
  }
  patterns.set(pattern, compiled);
  return compiled;
}

/** The `REGEXP` function SQLite calls for `value REGEXP pattern`: true when the pattern matches anywhere. */
export function regexpFunction(pattern: unknown, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return compileRegex(String(pattern)).matcher(String(value)).find() ? 1 : 0;
}

/**
 * The deterministic SQL functions statements of `sqliteDialect` call (`REGEXP` for `$regex`,
 * `decimal_key` for decimal order): every connection that runs them must register these, whatever its driver.
 */
export const sqliteFunctions: ReadonlyArray<{ readonly name: string; readonly fn: (...args: never[]) => unknown }> = [
  { name: "regexp", fn: regexpFunction },
  { name: "decimal_key", fn: decimalKey },
];

/** A JSON array of encoded values for `json_each` (bigints as exact integer literals). */
function jsonList(values: readonly unknown[]): string {
  let text = "[";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ",";
    text += typeof v === "bigint" ? v.toString() : JSON.stringify(v);
  }
  return `${text}]`;
}

/** The bind-value encoder of a field, or undefined when the JS value binds as it is. */
export function sqliteEncoder(field: ModelField): ((value: unknown) => unknown) | undefined {
  switch (field.kind) {
    case "boolean":
      return encodeBoolean;
    case "datetime":
      return encodeInstant;
    case "json":
    case "vector":
      return encodeJson;
    default:
      return undefined;
  }
}

/** SQLite as better-sqlite3 sees it: STRICT tables, ISO-8601 text instants, JSON as text, 0/1 booleans. */
/** Decimals are exact text; comparisons, `$in` and ORDER BY go through the order-preserving key (see decimal-key.ts). */
function orderKey(field: ModelField, expression: string): string {
  return field.kind === "decimal" ? `decimal_key(${expression})` : expression;
}

export const sqliteDialect: Dialect = {
  name: "sqlite",
  maxIdentifierLength: 63,
  maxBindParameters: 32766,
  returning: true,
  upsertStrategy: "precheck",
  forUpdate: "",
  nowExpression: ISO_NOW,
  createTableSuffix: " STRICT",

  quote: (identifier) => `"${identifier}"`,
  placeholder: () => "?",

  columnType(field: ModelField): string {
    switch (field.kind) {
      case "bigint":
        // INT, not INTEGER: the adapter reads 64-bit integers exactly only from statements that return an INT column.
        return "INT";
      case "int":
      case "boolean":
        return "INTEGER";
      case "float":
        return "REAL";
      default:
        return "TEXT";
    }
  },

  autoIncrementPrimaryKey: (column) => `${column} INTEGER PRIMARY KEY AUTOINCREMENT`,

  defaultLiteral(field, value) {
    switch (typeof value) {
      case "number":
        return Number.isFinite(value) ? String(value) : undefined;
      case "bigint":
        return value.toString();
      case "boolean":
        return value ? "1" : "0";
      case "string":
        return quoteString(value);
      default:
        if (value instanceof Date) return quoteString(value.toISOString());
        return field.kind === "json" ? quoteString(JSON.stringify(value)) : undefined;
    }
  },

  encode(field, value) {
    const encode = sqliteEncoder(field);
    return encode ? encode(value) : value;
  },

  decoder(field) {
    switch (field.kind) {
      case "boolean":
        return (v) => v === 1 || v === 1n;
      case "datetime":
        return parseInstant as (v: unknown) => unknown;
      case "json":
      case "vector":
        return (v) => JSON.parse(v as string);
      case "bigint":
        return toBigInt;
      case "int":
      case "float":
        return toNumber;
      default:
        return undefined;
    }
  },

  like: (column, param, ci) => (ci ? `LOWER(${column}) LIKE LOWER(${param}) ESCAPE '\\'` : `${column} LIKE ${param} ESCAPE '\\'`),
  regex: (column, param) => `${column} REGEXP ${param}`,
  regexError(pattern) {
    try {
      compileRegex(pattern);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  },
  // One JSON parameter for any list size (SQLite allows 32,766 bound values per statement).
  inList: (column, field, values, negate, add) =>
    `${column} ${negate ? "NOT IN" : "IN"} (SELECT ${orderKey(field, "value")} FROM json_each(${add(jsonList(values))}))`,
  orderKey,
  jsonContains: (column, param) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${param})`,
  encodeJsonElement: (value) => (typeof value === "boolean" ? (value ? 1 : 0) : value),

  limitOffset(limit, offset) {
    if (limit === undefined && offset === undefined) return "";
    return ` LIMIT ${limit ?? "-1"}${offset === undefined ? "" : ` OFFSET ${offset}`}`;
  },

  conflictClause(target, update) {
    const on = target ? `ON CONFLICT (${target.map((c) => `"${c}"`).join(", ")})` : "ON CONFLICT";
    if (update.length === 0) return `${on} DO NOTHING`;
    return `${on} DO UPDATE SET ${update.map((c) => `"${c}" = excluded."${c}"`).join(", ")}`;
  },

  /** SQLite transactions are serializable; write transactions take the write lock up front. */
  begin: (options: TransactionOptions) => [options.readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE"],
  savepoint: (name) => `SAVEPOINT "${name}"`,
  releaseSavepoint: (name) => `RELEASE SAVEPOINT "${name}"`,
  rollbackToSavepoint: (name) => `ROLLBACK TO SAVEPOINT "${name}"`,

  catalog: {
    columns: (table) => ({ text: "SELECT name FROM pragma_table_info(?)", params: [table] }),
    indexes: (table) => ({ text: "SELECT name FROM pragma_index_list(?)", params: [table] }),
    // DataFlow's columns have no COLLATE clause: SQLite compares text with BINARY.
    exactTextComparison: true,
  },
};
