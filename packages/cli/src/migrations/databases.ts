import type { Dialect } from "@dataflow/sql-core";
import { MigrationError } from "./errors.js";
import type { ColumnState, ForeignKeyState } from "./state.js";

/**
 * What differs between databases for migrations: which DDL exists, whether it is transactional,
 * and how concurrent `migrate apply` runs are serialized.
 */
export interface MigrationDatabase {
  readonly dialect: Dialect;
  /** DDL commits with the transaction (PostgreSQL, SQLite); else each statement commits on its own (MySQL). */
  readonly transactionalDdl: boolean;
  /** Statements that open the migration transaction and take the migration lock inside it (PostgreSQL, SQLite). */
  beginLocked(lockKey: string): { text: string; params: unknown[] }[];
  /** A session lock taken once for the whole run (MySQL); one row with `locked` = 1 when granted. */
  sessionLock?: { acquire(timeoutSeconds: number): { text: string; params: unknown[] }; release(): { text: string; params: unknown[] } };
  dropIndex(table: string, index: string): string;
  /** Changes nullability in place; undefined where the database cannot (SQLite). */
  setNullable?(table: string, column: ColumnState, nullable: boolean): string;
  /** Sets or drops a default in place; undefined where the database cannot (SQLite). */
  setDefault?(table: string, column: string, literal: string | undefined): string;
  /** Copies `source` into `target` converted to `type`. */
  backfill(table: string, target: string, source: string, type: string): string;
  /** Adds a foreign key to an existing table; undefined where the database cannot (SQLite rebuilds the table). */
  addForeignKey?(table: string, fk: ForeignKeyState): string;
  dropForeignKey?(table: string, name: string): string;
  /**
   * SQLite: statements around each migration's transaction that switch foreign key enforcement off
   * (a table rebuild drops a referenced table, which would otherwise cascade or fail), and a query
   * run before COMMIT whose rows are the references the migration left broken.
   */
  foreignKeyPause?: { readonly off: string; readonly on: string; readonly check: string };
  /**
   * SQLite: a unique index may be a table constraint (an inline `UNIQUE`, which no DROP INDEX
   * removes), so a unique index is dropped by rebuilding the table without it.
   */
  readonly dropsUniqueByRebuild?: true;
}

/** `REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION`. */
export function referencesSql(d: Dialect, fk: ForeignKeyState): string {
  const target = fk.referencedSchema === undefined ? d.quote(fk.referencedTable) : `${d.quote(fk.referencedSchema)}.${d.quote(fk.referencedTable)}`;
  return `REFERENCES ${target} (${d.quote(fk.referencedColumn)}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
}

/** The table constraint of a foreign key, as CREATE TABLE and ALTER TABLE ADD write it. */
export function foreignKeySql(d: Dialect, fk: ForeignKeyState): string {
  return `CONSTRAINT ${d.quote(fk.name)} FOREIGN KEY (${d.quote(fk.column)}) ${referencesSql(d, fk)}`;
}

/** The column's SQL (as ALTER ... ADD/MODIFY COLUMN writes it) with the given name and nullability. */
export function columnSql(d: Dialect, column: ColumnState, name = column.name, nullable = column.nullable): string {
  let sql = `${d.quote(name)} ${column.type}`;
  if (!nullable) sql += " NOT NULL";
  if (column.default !== undefined) sql += ` DEFAULT ${column.default}`;
  if (column.check !== undefined) sql += ` ${column.check.replace(d.quote(column.name), d.quote(name))}`;
  return sql;
}

function postgres(d: Dialect): MigrationDatabase {
  return {
    dialect: d,
    transactionalDdl: true,
    // A transaction-scoped lock: it also holds behind PgBouncer in transaction mode, where a session
    // lock could be taken on one server connection and released on another. A client that dies
    // mid-statement is noticed within a second, so its lock does not outlive it.
    beginLocked: (key) => [
      { text: "BEGIN", params: [] },
      { text: "SET LOCAL client_connection_check_interval = 1000", params: [] },
      { text: "SELECT pg_advisory_xact_lock($1::bigint)", params: [key] },
    ],
    dropIndex: (_table, index) => `DROP INDEX ${d.quote(index)}`,
    setNullable: (table, column, nullable) => `ALTER TABLE ${d.quote(table)} ALTER COLUMN ${d.quote(column.name)} ${nullable ? "DROP" : "SET"} NOT NULL`,
    setDefault: (table, column, literal) =>
      `ALTER TABLE ${d.quote(table)} ALTER COLUMN ${d.quote(column)} ${literal === undefined ? "DROP DEFAULT" : `SET DEFAULT ${literal}`}`,
    backfill: (table, target, source, type) => `UPDATE ${d.quote(table)} SET ${d.quote(target)} = CAST(${d.quote(source)} AS ${type})`,
    addForeignKey: (table, fk) => `ALTER TABLE ${d.quote(table)} ADD ${foreignKeySql(d, fk)}`,
    dropForeignKey: (table, name) => `ALTER TABLE ${d.quote(table)} DROP CONSTRAINT ${d.quote(name)}`,
  };
}

function mysql(d: Dialect): MigrationDatabase {
  return {
    dialect: d,
    transactionalDdl: false,
    beginLocked: () => [],
    // Named locks are server-wide: the name carries the database so two databases do not wait for each other.
    sessionLock: {
      acquire: (timeoutSeconds) => ({ text: "SELECT GET_LOCK(CONCAT('dataflow_migrate_', SHA1(DATABASE())), ?) AS locked", params: [timeoutSeconds] }),
      release: () => ({ text: "SELECT RELEASE_LOCK(CONCAT('dataflow_migrate_', SHA1(DATABASE()))) AS released", params: [] }),
    },
    dropIndex: (table, index) => `DROP INDEX ${d.quote(index)} ON ${d.quote(table)}`,
    setNullable: (table, column, nullable) => `ALTER TABLE ${d.quote(table)} MODIFY COLUMN ${columnSql(d, column, column.name, nullable)}`,
    setDefault: (table, column, literal) =>
      `ALTER TABLE ${d.quote(table)} ALTER COLUMN ${d.quote(column)} ${literal === undefined ? "DROP DEFAULT" : `SET DEFAULT ${literal}`}`,
    // Assignment converts (and, in strict mode, fails on values that do not fit).
    backfill: (table, target, source) => `UPDATE ${d.quote(table)} SET ${d.quote(target)} = ${d.quote(source)}`,
    addForeignKey: (table, fk) => `ALTER TABLE ${d.quote(table)} ADD ${foreignKeySql(d, fk)}`,
    dropForeignKey: (table, name) => `ALTER TABLE ${d.quote(table)} DROP FOREIGN KEY ${d.quote(name)}`,
  };
}

function sqlite(d: Dialect): MigrationDatabase {
  return {
    dialect: d,
    transactionalDdl: true,
    // BEGIN IMMEDIATE takes the database's write lock at once: a second process waits (busy) here.
    beginLocked: () => [{ text: "BEGIN IMMEDIATE", params: [] }],
    dropIndex: (_table, index) => `DROP INDEX ${d.quote(index)}`,
    backfill: (table, target, source, type) => `UPDATE ${d.quote(table)} SET ${d.quote(target)} = CAST(${d.quote(source)} AS ${type})`,
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it (SQLite's documented table-rebuild procedure).
    foreignKeyPause: { off: "PRAGMA foreign_keys = OFF", on: "PRAGMA foreign_keys = ON", check: "PRAGMA foreign_key_check" },
    dropsUniqueByRebuild: true,
  };
}

export function migrationDatabase(dialect: Dialect): MigrationDatabase {
  switch (dialect.name) {
    case "postgresql":
      return postgres(dialect);
    case "mysql":
      return mysql(dialect);
    case "sqlite":
      return sqlite(dialect);
    default:
      throw new MigrationError(`Migrations do not support the '${dialect.name}' database yet`, { fix: "Use PostgreSQL, MySQL/MariaDB or SQLite" });
  }
}
