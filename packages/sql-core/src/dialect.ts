import { createHash } from "node:crypto";
import type { Model, ModelField } from "@dataflow/kernel/plugin";

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface TransactionOptions {
  readonly isolationLevel?: IsolationLevel;
  readonly readOnly?: boolean;
}

/** How a dialect tells inserted from updated rows in a single-row upsert. */
export type UpsertStrategy = "returning-inserted-flag" | "precheck" | "on-duplicate-key";

/** Everything that differs between SQL databases, as data and small pure functions. */
export interface Dialect {
  /** OpenTelemetry `db.system.name`: `sqlite`, `postgresql`, `mysql`. */
  readonly name: string;
  readonly maxIdentifierLength: number;
  readonly maxBindParameters: number;
  /** `INSERT/UPDATE/DELETE ... RETURNING`. */
  readonly returning: boolean;
  readonly upsertStrategy: UpsertStrategy;
  /** With `returning-inserted-flag`: a RETURNING expression true for inserted rows (PostgreSQL: `(xmax = 0)`). */
  readonly insertedFlag?: string;
  /** Suffix that locks selected rows inside a transaction (`FOR UPDATE`), or "". */
  readonly forUpdate: string;

  quote(identifier: string): string;
  /** 1-based placeholder. */
  placeholder(index: number): string;
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
  /** `ON CONFLICT` / `ON DUPLICATE KEY` clause; `update` empty means do nothing on conflict. */
  conflictClause(target: readonly string[] | undefined, update: readonly string[]): string;
  /** Statements that open a transaction. */
  begin(options: TransactionOptions): string[];
  savepoint(name: string): string;
  releaseSavepoint(name: string): string;
  rollbackToSavepoint(name: string): string;

  /** Query listing the table's column names (one column `name`); no rows when the table is missing. */
  columnsQuery(table: string): { text: string; params: unknown[] };
  /** Query listing the table's index names (one column `name`). */
  indexesQuery(table: string): { text: string; params: unknown[] };
}

/** The model's table as statements name it: `"table"`, or `"schema"."table"` for a model placed with `Model.inSchema`. */
export function tableReference(dialect: Dialect, model: Model): string {
  const table = dialect.quote(model.table);
  return model.schema === undefined ? table : `${dialect.quote(model.schema)}.${table}`;
}

/** Fits a generated name within the dialect's limit: truncated, with a digest so distinct names stay distinct. */
export function fitIdentifier(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const digest = createHash("sha256").update(name).digest("hex").slice(0, 8);
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
