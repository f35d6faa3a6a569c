import type { Dialect } from "@dataflow/sql-core";
import { MigrationError } from "./errors.js";
import type { ColumnState } from "./state.js";

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
