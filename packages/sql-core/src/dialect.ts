import type { FieldKind, Model, ModelField } from "@dataflow/kernel/plugin";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface TransactionOptions {
  readonly isolationLevel?: IsolationLevel;
  readonly readOnly?: boolean;
}

/** How a dialect tells inserted from updated rows in a single-row upsert. */
export type UpsertStrategy = "returning-inserted-flag" | "precheck" | "on-duplicate-key";

/** A catalog read: SQL text and its bind values. */
export interface CatalogQuery {
  readonly text: string;
  readonly params: unknown[];
}

/**
 * A lock held across processes while schema work on one subject runs (two processes creating the
 * same tenant schema). `transaction`: `acquire` runs inside a transaction and its end releases the
 * lock (PostgreSQL advisory xact locks). `session`: `acquire` returns one row whose `locked` is 1
 * when granted, and `release` gives it back (MySQL named locks).
 */
export type DdlLock =
  | { readonly scope: "transaction"; acquire(name: string): CatalogQuery }
  | { readonly scope: "session"; acquire(name: string): CatalogQuery; release(name: string): CatalogQuery };

/**
 * Row-level security (PostgreSQL): what the tenancy plugin's `rls` strategy needs, as statements.
 * A dialect without it has no way to enforce tenant rows in the database itself.
 */
export interface RowSecurity {
  /** Sets `setting` to the single bound value for the rest of the current transaction only. */
  setLocal(setting: string): string;
  /** The value of `setting` in SQL (no default: unset is an error, not "all rows"). */
  currentSetting(setting: string): string;
  /** One row: `bypasses` (true when the role ignores policies) and `schema` (the default schema). */
  readonly roleQuery: CatalogQuery;
  /** Policies on a table: `name`, `permissive`, `cmd` (`*` = all commands), `using_expr`, `check_expr`. */
  policiesQuery(table: string): CatalogQuery;
  /** One row: `enabled`, `forced`. */
  flagsQuery(table: string): CatalogQuery;
  createPolicy(name: string, table: string, expression: string): string;
  enable(table: string): string;
  force(table: string): string;
  /** True when a driver error is a row the policies refused. */
  isViolation(error: unknown): boolean;
}

/**
 * What the database says about its own tables, and the schema-level features DDL and the tenancy
 * plugin build on. The two queries are required; every other member is a capability a database may
 * lack, and code that needs one refuses a dialect without it.
 */
export interface DialectCatalog {
  /** Column names (`name`) of the table in the connection's default schema, or in `schema`; no rows when it is missing. */
  columns(table: string, schema?: string): CatalogQuery;
  /** Index names (`name`) of the table, as `columns`. */
  indexes(table: string, schema?: string): CatalogQuery;
  /** The collation (`collation`) of a column of the default schema, for databases where text may compare case-insensitively. */
  columnCollation?(table: string, column: string): CatalogQuery;
  /** Set when `=` on text always compares exactly here, so no collation needs checking. */
  readonly exactTextComparison?: true;
  /** Statement that creates a namespace (PostgreSQL schema, MySQL database) if it is missing. */
  createNamespace?(name: string): string;
  /** Check constraints named `name` on a table of the default schema (`n` = count). */
  checkConstraintCount?(table: string, name: string): CatalogQuery;
  /** A CHECK no row satisfies, added to a table of the default schema. */
  addRowFreeCheck?(table: string, name: string): string;
  readonly ddlLock?: DdlLock;
  readonly rowSecurity?: RowSecurity;
  /**
   * Each column of a table of the default schema with what drift checks need: `name`, `type` (as
   * declared), `nullable`, `has_default` and `auto` (filled by the database), truthy as 1/true.
   */
  columnDetails?(table: string): CatalogQuery;
  /**
   * How a foreign key joins a column added to an existing table: `column` (a REFERENCES clause in
   * ADD COLUMN; SQLite, which cannot add constraints) or `constraint` (ALTER TABLE ADD CONSTRAINT, the default).
   */
  readonly addForeignKey?: "column" | "constraint";
  /** Whole-schema catalog reads for `db.discoverSchema()`; a dialect without it cannot discover. */
  readonly discovery?: CatalogDiscovery;
}

/** A column type as a DataFlow field kind and its size. */
export interface ColumnKind {
  readonly kind: FieldKind;
  readonly maxLength?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly enumValues?: readonly string[];
  readonly dimensions?: number;
}

/**
 * The catalog queries behind `db.discoverSchema()`, each over every table and view of the default
 * schema, and the reading of native types. Rows: see each member; booleans may come as 1/0.
 */
export interface CatalogDiscovery {
  /** `name`, `kind` (`table` or `view`), `comment`. */
  readonly relations: CatalogQuery;
  /** `table_name`, `name`, `type`, `nullable`, `default_expr`, `comment`, `auto`, in column order. */
  readonly columns: CatalogQuery;
  /** `table_name`, `column`, `position`. */
  readonly primaryKeys: CatalogQuery;
  /** `table_name`, `name`, `column`, `ref_table`, `ref_column`, `position`, `on_delete`, `on_update` (lower-case rule names). */
  readonly foreignKeys: CatalogQuery;
  /** Every index but the primary key's: `table_name`, `name`, `column` (null for an expression), `position`, `unique`. */
  readonly indexes: CatalogQuery;
  /** CHECK constraints: `table_name`, `clause` (SQLite: the table's CREATE statement). */
  readonly checks?: CatalogQuery;
  /** Enum types: `name`, `value`, in order. */
  readonly enums?: CatalogQuery;
  /** The field kind of a declared type, or undefined when none fits. */
  columnKind(nativeType: string): ColumnKind | undefined;
  /** A literal default expression as a JS value, or undefined for anything else (functions, NULL). */
  defaultValue(expression: string): string | number | boolean | undefined;
}

/** Names and limits: the database's identity in traces, and how identifiers and values are written. */
export interface DialectSyntax {
  /** OpenTelemetry `db.system.name`: `sqlite`, `postgresql`, `mysql`. Reported, never compared outside a dialect package. */
  readonly name: string;
  readonly maxIdentifierLength: number;
  readonly maxBindParameters: number;
  quote(identifier: string): string;
  /** 1-based placeholder. */
  placeholder(index: number): string;
}

/** Column types and the JS <-> driver value mapping. */
export interface DialectTypes {
  columnType(field: ModelField): string;
  /** Full column definition of an auto-increment integer primary key. */
  autoIncrementPrimaryKey(column: string): string;
  /** SQL literal of a static default, or undefined when this dialect cannot hold one for the field. */
  defaultLiteral(field: ModelField, value: unknown): string | undefined;
  /** Current instant, in the format `datetime` columns store. */
  readonly nowExpression: string;
  readonly createTableSuffix: string;
  /** JS value (canonical, validated) -> driver bind value. */
  encode(field: ModelField, value: unknown): unknown;
  /** Decoder for a field's driver values, or undefined when the driver value is already right. */
  decoder(field: ModelField): ((value: unknown) => unknown) | undefined;
}

/** Filters, ordering and paging. The optional members have defaults in the compiler. */
export interface DialectQueries {
  like(column: string, param: string, caseInsensitive: boolean): string;
  regex(column: string, param: string): string;
  /**
   * Why this database's regex engine cannot run `pattern` (a syntax it lacks), or undefined.
   * Checked before any SQL; a dialect without it lets the server judge (see `invalidRegex`).
   */
  regexError?(pattern: string): string | undefined;
  /**
   * `column IN (...)` / `NOT IN` over encoded values, for dialects that bind the whole list as one
   * parameter (an array, JSON) so any allowed size fits the bind limit. Default: one placeholder per value.
   */
  inList?(column: string, field: ModelField, values: readonly unknown[], negate: boolean, add: (value: unknown) => string): string;
  /** A JSON array column contains the element. */
  jsonContains(column: string, param: string): string;
  encodeJsonElement(value: unknown): unknown;
  /**
   * SQL for a bound value of `field` in comparisons and assignments, e.g. a CAST that keeps
   * comparisons exact (MySQL compares a DECIMAL column with a string as doubles). Default: the placeholder.
   */
  parameter?(field: ModelField, placeholder: string): string;
  /**
   * An expression over `expression` (a column or a bound value of `field`) that compares and sorts
   * like the field's values, for a field whose stored form does not (SQLite keeps decimals as text).
   * Used on both sides of comparisons, in IN lists, ORDER BY and keyset cursors. Default: as stored.
   */
  orderKey?(field: ModelField, expression: string): string;
  /** `LIMIT`/`OFFSET` clause; params are placeholders or undefined. */
  limitOffset(limit: string | undefined, offset: string | undefined): string;
}

/** How writes report and resolve: RETURNING, conflicts, upserts, row locks. */
export interface DialectWrites {
  /** `INSERT/UPDATE/DELETE ... RETURNING`. */
  readonly returning: boolean;
  /** `INSERT ... RETURNING` where only INSERT has it (MariaDB 10.5+): a Create is one statement, not INSERT then SELECT. Default: `returning`. */
  readonly insertReturning?: boolean;
  readonly upsertStrategy: UpsertStrategy;
  /** With `returning-inserted-flag`: a RETURNING expression true for inserted rows (PostgreSQL: `(xmax = 0)`). */
  readonly insertedFlag?: string;
  /** Suffix that locks selected rows inside a transaction (`FOR UPDATE`), or "". */
  readonly forUpdate: string;
  /** `ON CONFLICT` / `ON DUPLICATE KEY` clause; `update` empty means do nothing on conflict. */
  conflictClause(target: readonly string[] | undefined, update: readonly string[], primaryKey?: string): string;
}

/** Transaction and savepoint statements. */
export interface DialectTransactions {
  /** Statements that open a transaction. */
  begin(options: TransactionOptions): string[];
  savepoint(name: string): string;
  releaseSavepoint(name: string): string;
  rollbackToSavepoint(name: string): string;
}

/**
 * Everything that differs between SQL databases, as data and small pure functions, in named parts:
 * syntax, types, queries, writes and transactions (flat members, typed by part) and the `catalog`
 * (a nested object, shared by DDL and the tenancy plugin).
 */
export interface Dialect extends DialectSyntax, DialectTypes, DialectQueries, DialectWrites, DialectTransactions {
  /** Introspection and schema-level features, shared by DDL and the tenancy plugin. */
  readonly catalog: DialectCatalog;
}

/** The model's table as statements name it: `"table"`, or `"schema"."table"` for a model placed with `Model.inSchema`. */
export function tableReference(dialect: Dialect, model: Model): string {
  const table = dialect.quote(model.table);
  return model.schema === undefined ? table : `${dialect.quote(model.schema)}.${table}`;
}

/** Fits a generated name within the dialect's limit: truncated, with a digest so distinct names stay distinct. */
export function fitIdentifier(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  // node:crypto on first use only: loading it is a tenth of Node's start, and short names never need it.
  const digest = process.getBuiltinModule("node:crypto").createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - 9)}_${digest}`;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern that matches `text` literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Wraps an instant formatter so that a Date with the same time as the previous call is not
 * formatted again: bulk rows share one `created_at`/`updated_at` Date.
 */
export function lastInstantFormatter(format: (date: Date) => string): (date: Date) => string {
  let lastTime = Number.NaN;
  let lastText = "";
  return (date) => {
    const time = date.getTime();
    if (time !== lastTime) {
      lastTime = time;
      lastText = format(date);
    }
    return lastText;
  };
}
