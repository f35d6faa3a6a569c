import type { ModelField } from "@dataflow/kernel/plugin";
import type { Dialect, IsolationLevel, TransactionOptions } from "@dataflow/sql-core";
import { decodeDecimal } from "@dataflow/sql-core";
import type { ServerFeatures, ServerInfo } from "./server.js";
import { serverFeatures } from "./server.js";
import { columnDetails, mysqlDiscovery } from "./discovery.js";

/** The MySQL dialect plus what the bulk and upsert paths need to build `ON DUPLICATE KEY UPDATE`. */
export interface MysqlDialect extends Dialect {
  readonly server: ServerInfo;
  readonly features: ServerFeatures;
  /** Appended after the VALUES list: ` AS df_new` on MySQL >= 8.0.19, else "". */
  readonly rowAlias: string;
  /** The value a conflicting row proposed for `column`: `df_new`.`c` or `VALUES(c)`. */
  proposed(column: string): string;
}

/**
 * InnoDB, 4-byte UTF-8, and a binary NO PAD collation so `=`, LIKE and unique keys are
 * case-sensitive and see trailing spaces, as elsewhere.
 */
function tableSuffix(features: ServerFeatures): string {
  return ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${features.exactCollation ?? "utf8mb4_bin"}`;
}
/** Longest VARCHAR that fits the 65,535-byte row limit in utf8mb4; longer strings become LONGTEXT. */
const MAX_VARCHAR = 16_383;
const ROW_ALIAS = "df_new";

/** A string literal; backslashes are escapes in MySQL unless NO_BACKSLASH_ESCAPES (which the adapter never sets). */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\'\u0000]/g, (c) => (c === "\\" ? "\\\\" : c === "'" ? "''" : "\\0"))}'`;
}

let lastInstant = Number.NaN;
let lastText = "";

/** A Date as a UTC `DATETIME(6)` literal body: `2024-01-02 03:04:05.123`. */
export function formatDateTime(date: Date): string {
  // Rows written together share their timestamps (created_at, updated_at): remember the last one.
  const instant = date.getTime();
  if (instant === lastInstant) return lastText;
  const iso = date.toISOString();
  lastText = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  lastInstant = instant;
  return lastText;
}

function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** The last DATETIME text parsed: a row's `created_at` and `updated_at` are often the same text. */
let lastDateTimeText: string | undefined;
let lastDateTime = 0;

/** `2024-01-02 03:04:05.123456` (UTC, as the adapter's sessions read it) -> Date (millisecond precision). */
export function parseDateTime(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = typeof value === "string" ? value : String(value);
  if (text === lastDateTimeText) return new Date(lastDateTime);
  const year = text.length >= 19 && text.charCodeAt(4) === 45 ? digits(text, 0, 4) : 0;
  // Date.UTC maps years 0-99 to 1900-1999; those (and anything unusual) take the slower ISO parse.
  if (year < 100) return new Date(`${text.slice(0, 10)}T${text.length > 10 ? text.slice(11) : "00:00:00"}Z`);
  // Milliseconds: the first three fraction digits, a shorter fraction padded with zeros.
  let ms = 0;
  for (let i = 20; i < 23; i++) ms = ms * 10 + (i < text.length ? text.charCodeAt(i) - 48 : 0);
  const time = Date.UTC(year, digits(text, 5, 2) - 1, digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2), ms);
  lastDateTimeText = text;
  lastDateTime = time;
  return new Date(time);
}

const toNumber = (v: unknown) => (typeof v === "number" ? v : Number(v));
const toBigInt = (v: unknown) => (typeof v === "bigint" ? v : BigInt(v as string | number));
const toBoolean = (v: unknown) => v === 1 || v === true || (typeof v !== "number" && v !== false && Number(v) !== 0);
const toJson = (v: unknown) => JSON.parse(typeof v === "string" ? v : String(v)) as unknown;
const toDateString = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : String(v));
const toLowerUuid = (v: unknown) => String(v).toLowerCase();

const ISOLATION: Record<IsolationLevel, string> = {
  "read committed": "READ COMMITTED",
  "repeatable read": "REPEATABLE READ",
  serializable: "SERIALIZABLE",
};

function columnType(field: ModelField): string {
  switch (field.kind) {
    case "string": {
      const n = field.maxLength ?? 255;
      return n <= MAX_VARCHAR ? `VARCHAR(${n})` : "LONGTEXT";
    }
    case "text":
      return "LONGTEXT";
    case "int":
    case "bigint":
      return "BIGINT";
    case "float":
      return "DOUBLE";
    case "decimal":
      return `DECIMAL(${field.precision ?? 38},${field.scale ?? 10})`;
    case "boolean":
      return "TINYINT(1)";
    case "datetime":
      return "DATETIME(6)";
    case "date":
      return "DATE";
    case "json":
    case "vector":
      return "JSON";
    case "uuid":
      return "CHAR(36)";
    case "enum": {
      const longest = Math.max(0, ...(field.enumValues ?? []).map((v) => [...v].length));
      return `VARCHAR(${Math.max(255, longest)})`;
    }
  }
}

/**
 * The dialect for one server. MySQL 8 and MariaDB share almost everything; the differences
 * (row alias vs VALUES(), REGEXP_LIKE vs PCRE REGEXP, defaults on TEXT/JSON) come from `features`.
 */
export function createMysqlDialect(server: ServerInfo): MysqlDialect {
  const features = serverFeatures(server);
  const quote = (identifier: string) => `\`${identifier}\``;

  function textDefault(literal: string): string | undefined {
    if (features.textDefault === "literal") return literal;
    if (features.textDefault === "expression") return `(${literal})`;
    return undefined;
  }

  return {
    name: "mysql",
    server,
    features,
    maxIdentifierLength: 64,
    maxBindParameters: 65_535,
    // MariaDB (10.5+) has INSERT/DELETE ... RETURNING but no UPDATE ... RETURNING, MySQL has none: an UPDATE is read
    // back everywhere, a Create on MariaDB returns its row in the INSERT (one round trip instead of INSERT then SELECT).
    returning: false,
    insertReturning: features.insertReturning,
    upsertStrategy: "on-duplicate-key",
    forUpdate: " FOR UPDATE",
    nowExpression: "CURRENT_TIMESTAMP(6)",
    createTableSuffix: tableSuffix(features),
    rowAlias: features.insertRowAlias ? ` AS ${quote(ROW_ALIAS)}` : "",
    proposed: features.insertRowAlias ? (column) => `${quote(ROW_ALIAS)}.${quote(column)}` : (column) => `VALUES(${quote(column)})`,

    quote,
    placeholder: () => "?",
    columnType,
    autoIncrementPrimaryKey: (column) => `${column} BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY`,

    defaultLiteral(field, value) {
      if (field.kind === "json" || field.kind === "vector") {
        return value === undefined ? undefined : textDefault(quoteString(JSON.stringify(value)));
      }
      switch (typeof value) {
        case "number":
          return Number.isFinite(value) ? String(value) : undefined;
        case "bigint":
          return value.toString();
        case "boolean":
          return value ? "1" : "0";
        case "string":
          if (field.kind === "text" || (field.kind === "string" && columnType(field) === "LONGTEXT")) return textDefault(quoteString(value));
          if (field.kind === "datetime") {
            const d = new Date(value);
            return Number.isNaN(d.getTime()) ? undefined : quoteString(formatDateTime(d));
          }
          return quoteString(field.kind === "uuid" ? value.toLowerCase() : value);
        default:
          if (value instanceof Date && !Number.isNaN(value.getTime())) {
            return quoteString(field.kind === "date" ? value.toISOString().slice(0, 10) : formatDateTime(value));
          }
          return undefined;
      }
    },

    encode(field, value) {
      switch (field.kind) {
        case "boolean":
          return value ? 1 : 0;
        case "datetime":
          return formatDateTime(value as Date);
        case "json":
        case "vector":
          return JSON.stringify(value);
        default:
          return value;
      }
    },

    decoder(field) {
      switch (field.kind) {
        case "boolean":
          return toBoolean;
        case "datetime":
          return parseDateTime;
        case "date":
          return toDateString;
        case "json":
        case "vector":
          return toJson;
        case "bigint":
          return toBigInt;
        case "int":
        case "float":
          return toNumber;
        case "decimal":
          return decodeDecimal;
        case "uuid":
          return toLowerUuid;
        default:
          return undefined;
      }
    },

    // Without a CAST, MySQL compares a DECIMAL or BIGINT column with a string as doubles (inexact).
    parameter(field, placeholder) {
      if (field.kind === "decimal") return `CAST(${placeholder} AS DECIMAL(${field.precision ?? 38},${field.scale ?? 10}))`;
      if (field.kind === "bigint") return `CAST(${placeholder} AS SIGNED)`;
      return placeholder;
    },

    // Backslash is LIKE's default escape character; `$ilike` lowercases both sides (columns are utf8mb4_bin).
    like: (column, param, ci) => (ci ? `LOWER(${column}) LIKE LOWER(${param})` : `${column} LIKE ${param}`),
    regex: features.regexpLike ? (column, param) => `REGEXP_LIKE(${column}, ${param}, 'c')` : (column, param) => `${column} REGEXP CONCAT('(?-i)', ${param})`,
    jsonContains: (column, param) => `(JSON_TYPE(${column}) = 'ARRAY' AND JSON_CONTAINS(${column}, ${param}))`,
    encodeJsonElement: (value) => JSON.stringify(value),

    limitOffset(limit, offset) {
      if (limit === undefined && offset === undefined) return "";
      // MySQL has no OFFSET without LIMIT; the documented idiom is the largest BIGINT UNSIGNED.
      return ` LIMIT ${limit ?? "18446744073709551615"}${offset === undefined ? "" : ` OFFSET ${offset}`}`;
    },

    conflictClause(target, update, primaryKey) {
      const alias = features.insertRowAlias ? ` AS ${quote(ROW_ALIAS)}` : "";
      if (update.length === 0) {
        const column = quote(target?.[0] ?? primaryKey ?? "id");
        return `${alias} ON DUPLICATE KEY UPDATE ${column} = ${column}`.trimStart();
      }
      const proposed = features.insertRowAlias ? (c: string) => `${quote(ROW_ALIAS)}.${quote(c)}` : (c: string) => `VALUES(${quote(c)})`;
      return `${alias} ON DUPLICATE KEY UPDATE ${update.map((c) => `${quote(c)} = ${proposed(c)}`).join(", ")}`.trimStart();
    },

    begin(options: TransactionOptions) {
      const statements: string[] = [];
      if (options.isolationLevel) statements.push(`SET TRANSACTION ISOLATION LEVEL ${ISOLATION[options.isolationLevel]}`);
      statements.push(options.readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
      return statements;
    },
    savepoint: (name) => `SAVEPOINT ${quote(name)}`,
    releaseSavepoint: (name) => `RELEASE SAVEPOINT ${quote(name)}`,
    rollbackToSavepoint: (name) => `ROLLBACK TO SAVEPOINT ${quote(name)}`,

    catalog: {
      columns: (table, schema) => ({
        text: `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ${schema === undefined ? "DATABASE()" : "?"} AND table_name = ?`,
        params: schema === undefined ? [table] : [schema, table],
      }),
      indexes: (table, schema) => ({
        text: `SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = ${schema === undefined ? "DATABASE()" : "?"} AND table_name = ?`,
        params: schema === undefined ? [table] : [schema, table],
      }),
      // A column's collation decides whether `=` ignores case (`_ci`), so it is read, not assumed.
      columnCollation: (table, column) => ({
        text: "SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        params: [table, column],
      }),
      createNamespace: (name) => `CREATE DATABASE IF NOT EXISTS ${quote(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
      checkConstraintCount: (table, name) => ({
        text:
          "SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? " +
          "AND CONSTRAINT_NAME = ? AND CONSTRAINT_TYPE = 'CHECK'",
        params: [table, name],
      }),
      addRowFreeCheck: (table, name) => `ALTER TABLE ${quote(table)} ADD CONSTRAINT ${quote(name)} CHECK (1 = 0)`,
      ddlLock: {
        scope: "session",
        acquire: (name) => ({ text: "SELECT GET_LOCK(?, 60) AS locked", params: [name] }),
        release: (name) => ({ text: "SELECT RELEASE_LOCK(?)", params: [name] }),
      },
      columnDetails: (table) => columnDetails(server, table),
      discovery: mysqlDiscovery(server),
    },
  };
}
