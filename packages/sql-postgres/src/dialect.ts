import type { Model, ModelField } from "@dataflow/kernel/plugin";
import { columnDetails, postgresDiscovery } from "./discovery.js";
import type { Dialect, RowSecurity, TransactionOptions } from "@dataflow/sql-core";
import { decodeDecimal, lastInstantFormatter } from "@dataflow/sql-core";

/** A string literal that means the same with standard_conforming_strings on or off. */
export function quoteLiteral(value: string): string {
  const body = value.replace(/'/g, "''");
  return value.includes("\\") ? `E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * The model's table as statements name it: `"table"`, or `"schema"."table"` for a model placed in
 * a schema (`Model.inSchema`, e.g. one schema per tenant).
 */
export function qualifiedTable(model: Model): string {
  const schema = (model as { schema?: string | undefined }).schema;
  return schema === undefined ? quoteIdentifier(model.table) : `${quoteIdentifier(schema)}.${quoteIdentifier(model.table)}`;
}

/** The PostgreSQL element type of a field's values (UNNEST arrays and casts). */
export function baseType(field: ModelField): string {
  switch (field.kind) {
    case "int":
    case "bigint":
      return "int8";
    case "float":
      return "float8";
    case "decimal":
      return "numeric";
    case "boolean":
      return "bool";
    case "datetime":
      return "timestamptz";
    case "date":
      return "date";
    case "json":
      return "jsonb";
    case "uuid":
      return "uuid";
    case "vector":
      return `vector`;
    default:
      return "text";
  }
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/**
 * An instant as a timestamptz literal. `toISOString()` covers years 1-9999; outside them it
 * prints `+010000-...`/`-000001-...`, which PostgreSQL does not read, so those use ISO + BC.
 */
export const formatInstant = lastInstantFormatter(formatInstantText);

function formatInstantText(date: Date): string {
  const y = date.getUTCFullYear();
  if (y > 0 && y < 10_000) return date.toISOString();
  const year = y <= 0 ? 1 - y : y;
  return (
    `${String(year).padStart(4, "0")}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${String(date.getUTCMilliseconds()).padStart(3, "0")}+00` +
    (y <= 0 ? " BC" : "")
  );
}

const toNumber = (v: unknown) => (typeof v === "string" ? Number(v) : v);
const toBigInt = (v: unknown) => (typeof v === "bigint" ? v : BigInt(v as string | number));
const toVector = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as number[]) : v);

/** PostgreSQL's SQLSTATE for a row that fails a row-level security policy (and other privilege errors). */
const INSUFFICIENT_PRIVILEGE = "42501";

const rowSecurity: RowSecurity = {
  setLocal: (setting) => `SELECT set_config(${quoteLiteral(setting)}, $1, true)`,
  currentSetting: (setting) => `current_setting(${quoteLiteral(setting)})`,
  roleQuery: { text: "SELECT (rolsuper OR rolbypassrls) AS bypasses, current_schema() AS schema FROM pg_roles WHERE rolname = current_user", params: [] },
  policiesQuery: (table) => ({
    text:
      "SELECT polname AS name, polpermissive AS permissive, polcmd::text AS cmd, pg_get_expr(polqual, polrelid) AS using_expr, " +
      "pg_get_expr(polwithcheck, polrelid) AS check_expr FROM pg_policy WHERE polrelid = to_regclass($1)",
    params: [table],
  }),
  flagsQuery: (table) => ({
    text: "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = to_regclass($1)",
    params: [table],
  }),
  createPolicy: (name, table, expression) =>
    `CREATE POLICY ${quoteIdentifier(name)} ON ${table} AS PERMISSIVE FOR ALL TO PUBLIC USING (${expression}) WITH CHECK (${expression})`,
  enable: (table) => `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
  force: (table) => `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
  isViolation(error) {
    for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
      const code = (e as { code?: unknown }).code;
      const message = (e as { message?: unknown }).message;
      if (code === INSUFFICIENT_PRIVILEGE && typeof message === "string" && message.includes("row-level security")) return true;
    }
    return false;
  },
};

const ISOLATION = { "read committed": "READ COMMITTED", "repeatable read": "REPEATABLE READ", serializable: "SERIALIZABLE" } as const;

/**
 * PostgreSQL as the pool's type parsers deliver it: int8 and numeric as text (decoded here per
 * field), timestamptz as Date, DATE as text, jsonb parsed, uuid lowercase. Values are sent as text: JSON is
 * stringified (pg would turn a JS array into a PostgreSQL array), bigint as its decimal digits.
 */
export const postgresDialect: Dialect = {
  name: "postgresql",
  maxIdentifierLength: 63,
  maxBindParameters: 65_535,
  returning: true,
  upsertStrategy: "returning-inserted-flag",
  insertedFlag: "(xmax = 0)",
  forUpdate: " FOR UPDATE",
  nowExpression: "CURRENT_TIMESTAMP",
  createTableSuffix: "",

  quote: quoteIdentifier,
  placeholder: (index) => `$${index}`,

  columnType(field: ModelField): string {
    switch (field.kind) {
      case "string":
        return `VARCHAR(${field.maxLength ?? 255})`;
      case "text":
        return "TEXT";
      case "int":
      case "bigint":
        return "BIGINT";
      case "float":
        return "DOUBLE PRECISION";
      case "decimal":
        return `NUMERIC(${field.precision ?? 38}, ${field.scale ?? 10})`;
      case "boolean":
        return "BOOLEAN";
      case "datetime":
        return "TIMESTAMPTZ";
      case "date":
        return "DATE";
      case "json":
        return "JSONB";
      case "uuid":
        return "UUID";
      case "enum":
        return "VARCHAR(255)";
      case "vector":
        return `vector(${field.dimensions ?? 0})`;
    }
  },

  autoIncrementPrimaryKey: (column) => `${column} BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY`,

  defaultLiteral(field, value) {
    switch (typeof value) {
      case "number":
        return Number.isFinite(value) ? String(value) : undefined;
      case "bigint":
        return value.toString();
      case "boolean":
        return value ? "TRUE" : "FALSE";
      case "string":
        return field.kind === "json" ? `${quoteLiteral(JSON.stringify(value))}::jsonb` : quoteLiteral(value);
      default:
        if (value instanceof Date) return `${quoteLiteral(formatInstant(value))}::timestamptz`;
        return field.kind === "json" ? `${quoteLiteral(JSON.stringify(value))}::jsonb` : undefined;
    }
  },

  encode(field, value) {
    switch (field.kind) {
      case "json":
      case "vector":
        return JSON.stringify(value);
      case "bigint":
        return (value as bigint).toString();
      case "datetime":
        return formatInstant(value as Date);
      default:
        return value;
    }
  },

  decoder(field) {
    switch (field.kind) {
      case "int":
      case "float":
        return toNumber;
      case "bigint":
        return toBigInt;
      case "decimal":
        return decodeDecimal;
      case "vector":
        return toVector;
      default:
        return undefined;
    }
  },

  like: (column, param, ci) => `${column}::text ${ci ? "ILIKE" : "LIKE"} ${param} ESCAPE E'\\\\'`,
  regex: (column, param) => `${column}::text ~ ${param}`,
  // One array parameter for any list size (a statement binds at most 65,535 values), typed as the column's values.
  inList: (column, field, values, negate, add) =>
    negate ? `${column} <> ALL(${add(values)}::${baseType(field)}[])` : `${column} = ANY(${add(values)}::${baseType(field)}[])`,
  jsonContains: (column, param) => `${column} @> ${param}::jsonb`,
  encodeJsonElement: (value) => JSON.stringify([value]),

  limitOffset(limit, offset) {
    return `${limit === undefined ? "" : ` LIMIT ${limit}`}${offset === undefined ? "" : ` OFFSET ${offset}`}`;
  },

  conflictClause(target, update) {
    const on = target ? `ON CONFLICT (${target.map(quoteIdentifier).join(", ")})` : "ON CONFLICT";
    if (update.length === 0) return `${on} DO NOTHING`;
    return `${on} DO UPDATE SET ${update.map((c) => `${quoteIdentifier(c)} = EXCLUDED.${quoteIdentifier(c)}`).join(", ")}`;
  },

  begin(options: TransactionOptions) {
    let sql = "BEGIN";
    if (options.isolationLevel) sql += ` ISOLATION LEVEL ${ISOLATION[options.isolationLevel]}`;
    if (options.readOnly) sql += " READ ONLY";
    return [sql];
  },
  savepoint: (name) => `SAVEPOINT ${quoteIdentifier(name)}`,
  releaseSavepoint: (name) => `RELEASE SAVEPOINT ${quoteIdentifier(name)}`,
  rollbackToSavepoint: (name) => `ROLLBACK TO SAVEPOINT ${quoteIdentifier(name)}`,

  catalog: {
    // current_schema() (the first schema of search_path) unless a schema is named, so a per-tenant
    // search_path or schema-qualified tables are both introspected where the table lives.
    columns: (table, schema) => ({
      text: `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ${schema === undefined ? "current_schema()" : "$2"} AND table_name = $1`,
      params: schema === undefined ? [table] : [table, schema],
    }),
    indexes: (table, schema) => ({
      text: `SELECT indexname AS name FROM pg_indexes WHERE schemaname = ${schema === undefined ? "current_schema()" : "$2"} AND tablename = $1`,
      params: schema === undefined ? [table] : [table, schema],
    }),
    // DataFlow creates text columns with the database's deterministic default collation.
    exactTextComparison: true,
    createNamespace: (name) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(name)}`,
    checkConstraintCount: (table, name) => ({
      text: "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
      params: [quoteIdentifier(table), name],
    }),
    addRowFreeCheck: (table, name) => `ALTER TABLE ${quoteIdentifier(table)} ADD CONSTRAINT ${quoteIdentifier(name)} CHECK (false) NOT VALID`,
    ddlLock: { scope: "transaction", acquire: (name) => ({ text: "SELECT pg_advisory_xact_lock(hashtext($1))", params: [name] }) },
    rowSecurity,
    columnDetails,
    discovery: postgresDiscovery,
  },
};
