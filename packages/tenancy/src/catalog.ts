import type { Dialect } from "@dataflow/sql-core";

/** The database-specific SQL tenancy needs beyond sql-core: namespaces, catalogs, locks, guards. */
export interface Catalog {
  /** Creates the schema (PostgreSQL) or database (MySQL) of a tenant if missing. */
  createNamespace(name: string): string;
  /** Column names (`name`) of `namespace.table`. */
  columns(namespace: string, table: string): { text: string; params: unknown[] };
  /** Index names (`name`) of `namespace.table`. */
  indexes(namespace: string, table: string): { text: string; params: unknown[] };
  /** Check constraints named `name` on a table of the connection's default schema (`n` = count). */
  constraintCount(table: string, name: string): { text: string; params: unknown[] };
  /** A CHECK that no row can satisfy, added to the shared (unqualified) table of a model. */
  addRowFreeGuard(table: string, name: string): string;
  /** Collation of a column of the default schema (`collation`), or no row when it has none. */
  columnCollation(table: string, column: string): { text: string; params: unknown[] } | undefined;
}

function postgresCatalog(d: Dialect): Catalog {
  return {
    createNamespace: (name) => `CREATE SCHEMA IF NOT EXISTS ${d.quote(name)}`,
    columns: (namespace, table) => ({
      text: "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
      params: [namespace, table],
    }),
    indexes: (namespace, table) => ({
      text: "SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2",
      params: [namespace, table],
    }),
    constraintCount: (table, name) => ({
      text: "SELECT count(*) AS n FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
      params: [d.quote(table), name],
    }),
    addRowFreeGuard: (table, name) => `ALTER TABLE ${d.quote(table)} ADD CONSTRAINT ${d.quote(name)} CHECK (false) NOT VALID`,
    columnCollation: () => undefined,
  };
}

function mysqlCatalog(d: Dialect): Catalog {
  return {
    createNamespace: (name) => `CREATE DATABASE IF NOT EXISTS ${d.quote(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    columns: (namespace, table) => ({
      text: "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      params: [namespace, table],
    }),
    indexes: (namespace, table) => ({
      text: "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
      params: [namespace, table],
    }),
    constraintCount: (table, name) => ({
      text:
        "SELECT COUNT(*) AS n FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? " +
        "AND CONSTRAINT_NAME = ? AND CONSTRAINT_TYPE = 'CHECK'",
      params: [table, name],
    }),
    addRowFreeGuard: (table, name) => `ALTER TABLE ${d.quote(table)} ADD CONSTRAINT ${d.quote(name)} CHECK (1 = 0)`,
    columnCollation: (table, column) => ({
      text: "SELECT COLLATION_NAME AS collation FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?",
      params: [table, column],
    }),
  };
}

/** The catalog of the adapter's database, or undefined when tenancy does not support it beyond the `row` strategy. */
export function catalogFor(dialect: Dialect): Catalog | undefined {
  if (dialect.name === "postgresql") return postgresCatalog(dialect);
  if (dialect.name === "mysql") return mysqlCatalog(dialect);
  return undefined;
}
