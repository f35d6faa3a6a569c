import type { ModelField } from "@dataflow/kernel/plugin";
import type { CatalogDiscovery, ColumnKind, Dialect, TransactionOptions } from "@dataflow/sql-core";
import { lastInstantFormatter, literalDefault, parseTypeName } from "@dataflow/sql-core";
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
let lastText: string | undefined;
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

/** SQLite's rowid alias: the only key column, declared INTEGER (filled by SQLite when omitted). */
const AUTO = (p: string, table: string) =>
  `(${p}.pk = 1 AND upper(${p}.type) = 'INTEGER' AND (SELECT count(*) FROM pragma_table_info(${table}) k WHERE k.pk > 0) = 1)`;

const USER_TABLES = "m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

/**
 * The name of an index of `pragma_index_list` row `il` on table `table` (SQL expressions). An inline
 * `UNIQUE` (origin `u`) gets SQLite's internal `sqlite_autoindex_<table>_<n>`, which no statement may
 * create or drop: it is a constraint of the table, named as DataFlow names a unique field's index
 * (`ux_<table>_<columns>`), so models, pull and migrations see the same unique index either way.
 */
const INDEX_NAME = (il: string, table: string) =>
  `CASE WHEN ${il}.origin = 'u' THEN 'ux_' || ${table} || '_' || (SELECT group_concat(x.name, '_') FROM (SELECT name FROM pragma_index_info(${il}.name) ORDER BY seqno) x) ELSE ${il}.name END`;

/**
 * Declared types -> field kinds. DataFlow's own (STRICT) tables declare INTEGER (int, boolean),
 * INT (bigint), REAL (float) and TEXT (everything else), so those read back as int/bigint/float/text;
 * tables written by hand are read by their declared names (VARCHAR(n), BOOLEAN, DATETIME, ...).
 */
function sqliteColumnKind(nativeType: string): ColumnKind | undefined {
  const { base, args } = parseTypeName(nativeType);
  switch (base) {
    case "INTEGER":
    case "SMALLINT":
    case "TINYINT":
    case "MEDIUMINT":
    case "INT2":
      return { kind: "int" };
    case "INT":
    case "BIGINT":
    case "INT8":
    case "UNSIGNED BIG INT":
      return { kind: "bigint" };
    case "REAL":
    case "DOUBLE":
    case "DOUBLE PRECISION":
    case "FLOAT":
      return { kind: "float" };
    case "TEXT":
    case "CLOB":
      return { kind: "text" };
    case "VARCHAR":
    case "CHARACTER VARYING":
    case "VARYING CHARACTER":
    case "NVARCHAR":
    case "CHAR":
    case "CHARACTER":
    case "NCHAR":
    case "NATIVE CHARACTER":
      return args[0] ? { kind: "string", maxLength: args[0] } : { kind: "text" };
    case "BOOLEAN":
    case "BOOL":
      return { kind: "boolean" };
    case "DATETIME":
    case "TIMESTAMP":
      return { kind: "datetime" };
    case "DATE":
      return { kind: "date" };
    case "JSON":
    case "JSONB":
      return { kind: "json" };
    case "UUID":
      return { kind: "uuid" };
    case "DECIMAL":
    case "NUMERIC":
      return args.length > 0 ? { kind: "decimal", precision: args[0]!, scale: args[1] ?? 0 } : { kind: "decimal" };
    default:
      return undefined;
  }
}

const sqliteDiscovery: CatalogDiscovery = {
  relations: { text: `SELECT m.name, m.type AS kind, NULL AS comment FROM sqlite_master m WHERE ${USER_TABLES} ORDER BY m.name`, params: [] },
  columns: {
    text: `SELECT m.name AS table_name, p.name, p.type, (p."notnull" = 0 AND p.pk = 0) AS nullable, p.dflt_value AS default_expr, NULL AS comment, ${AUTO("p", "m.name")} AS auto, p.cid AS position
      FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE ${USER_TABLES} ORDER BY m.name, p.cid`,
    params: [],
  },
  primaryKeys: {
    text: `SELECT m.name AS table_name, p.name AS "column", p.pk AS position FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE ${USER_TABLES} AND m.type = 'table' AND p.pk > 0`,
    params: [],
  },
  // SQLite does not keep constraint names: a single-column key is named as DataFlow names its own (fk_<table>_<column>).
  foreignKeys: {
    text: `SELECT m.name AS table_name,
        CASE WHEN (SELECT count(*) FROM pragma_foreign_key_list(m.name) g WHERE g.id = f.id) = 1 THEN 'fk_' || m.name || '_' || f."from" ELSE 'fk_' || m.name || '_' || f.id END AS name,
        f."from" AS "column", f."table" AS ref_table,
        coalesce(f."to", (SELECT t.name FROM pragma_table_info(f."table") t WHERE t.pk = f.seq + 1)) AS ref_column,
        f.seq AS position, lower(f.on_delete) AS on_delete, lower(f.on_update) AS on_update
      FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE ${USER_TABLES} AND m.type = 'table'`,
    params: [],
  },
  indexes: {
    text: `SELECT m.name AS table_name, ${INDEX_NAME("il", "m.name")} AS name, ii.name AS "column", ii.seqno AS position, il."unique"
      FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii WHERE ${USER_TABLES} AND m.type = 'table' AND il.origin <> 'pk'`,
    params: [],
  },
  checks: { text: `SELECT m.name AS table_name, m.sql AS clause FROM sqlite_master m WHERE ${USER_TABLES} AND m.type = 'table'`, params: [] },
  columnKind: sqliteColumnKind,
  defaultValue: literalDefault,
};

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
    indexes: (table) => ({ text: `SELECT ${INDEX_NAME("il", "?")} AS name FROM pragma_index_list(?) il`, params: [table, table] }),
    // DataFlow's columns have no COLLATE clause: SQLite compares text with BINARY.
    exactTextComparison: true,
    columnDetails: (table) => ({
      text: `SELECT p.name, p.type, p."notnull" = 0 AS nullable, p.dflt_value IS NOT NULL AS has_default, ${AUTO("p", "?")} AS auto FROM pragma_table_info(?) p`,
      params: [table, table],
    }),
    // ALTER TABLE cannot add a constraint: a new column carries its REFERENCES clause.
    addForeignKey: "column",
    discovery: sqliteDiscovery,
  },
};
