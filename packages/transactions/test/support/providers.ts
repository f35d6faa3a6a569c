import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import pg from "pg";
import { usePgbouncerDatabase, useTestDatabase } from "@dataflow/testing";

/** `pgbouncer`: PostgreSQL through PgBouncer in transaction pooling mode (`?pgbouncer=transaction`). */
export type ProviderName = "sqlite" | "postgres" | "mysql" | "pgbouncer";

/** A connection of the database's own driver, opened beside DataFlow: what it reads is what is committed. */
export interface RawConnection {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** One statement, ignoring its result (DDL, BEGIN, SET ...). */
  run(sql: string): Promise<void>;
  close(): Promise<void>;
}

export interface Provider {
  readonly name: ProviderName;
  /** Empty when available, else why the suite is skipped. */
  readonly skipReason: string;
  readonly url: string;
  /** Server-wide observation (pg_stat_activity, innodb_trx) needs the superuser. */
  readonly adminUrl: string;
  raw(options?: { admin?: boolean }): Promise<RawConnection>;
  dispose(): Promise<void>;
}

const unavailable = (name: ProviderName, skipReason: string): Provider => ({
  name,
  skipReason,
  url: "",
  adminUrl: "",
  raw: () => Promise.reject(new Error(skipReason)),
  dispose: async () => {},
});

/** Whether the adapter package for a database builds and loads (the PostgreSQL/MySQL ones are being finished). */
async function adapterPackage(name: "postgres" | "mysql"): Promise<string> {
  const pkg = name === "postgres" ? "@dataflow/sql-postgres" : "@dataflow/sql-mysql";
  try {
    const mod = (await import(pkg)) as { default?: unknown };
    return mod.default ? "" : `${pkg} has no default export plugin yet`;
  } catch (error) {
    return `${pkg} does not load yet (${(error as Error).message.split("\n")[0]})`;
  }
}

function sqliteProvider(): Provider {
  const dir = mkdtempSync(join(tmpdir(), "df-tx-"));
  const file = join(dir, "test.db");
  return {
    name: "sqlite",
    skipReason: "",
    url: `sqlite://${file}`,
    adminUrl: `sqlite://${file}`,
    async raw() {
      const db = new Database(file);
      db.pragma("busy_timeout = 5000");
      return {
        query: async <R>(sql: string, params: unknown[] = []) => db.prepare(sql).all(...params) as R[],
        run: async (sql: string) => void db.exec(sql),
        close: async () => void db.close(),
      };
    },
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresProvider(): Promise<Provider> {
  const res = await useTestDatabase("postgres");
  if (!res.ok) return unavailable("postgres", res.reason);
  const missing = await adapterPackage("postgres");
  if (missing) {
    await res.db.dispose();
    return unavailable("postgres", missing);
  }
  const { db } = res;
  return {
    name: "postgres",
    skipReason: "",
    url: db.url,
    adminUrl: db.adminUrl,
    raw: (options = {}) => rawPostgres(options.admin ? db.adminUrl : db.url),
    dispose: () => db.dispose(),
  };
}

/** A raw pg connection to `url` (the server itself, never through a pooler). */
async function rawPostgres(url: string): Promise<RawConnection> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return {
    query: async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[],
    run: async (sql: string) => void (await client.query(sql)),
    close: () => client.end(),
  };
}

/** PostgreSQL reached through PgBouncer (transaction pooling); raw connections go to the server directly. */
async function pgbouncerProvider(): Promise<Provider> {
  const res = await usePgbouncerDatabase();
  if (!res.ok) return unavailable("pgbouncer", res.reason);
  const { db } = res;
  return {
    name: "pgbouncer",
    skipReason: "",
    url: `${db.url}?pgbouncer=transaction`,
    adminUrl: db.adminUrl,
    raw: (options = {}) => rawPostgres(options.admin ? db.adminUrl : db.directUrl),
    dispose: () => db.dispose(),
  };
}

/** PostgreSQL, directly or through PgBouncer. */
export const isPostgres = (p: Provider): boolean => p.name === "postgres" || p.name === "pgbouncer";

async function mysqlProvider(): Promise<Provider> {
  const res = await useTestDatabase("mysql");
  if (!res.ok) return unavailable("mysql", res.reason);
  const missing = await adapterPackage("mysql");
  if (missing) {
    await res.db.dispose();
    return unavailable("mysql", missing);
  }
  const { db } = res;
  return {
    name: "mysql",
    skipReason: "",
    url: db.url,
    adminUrl: db.adminUrl,
    async raw(options = {}) {
      const connection = await mysql.createConnection({ uri: options.admin ? db.adminUrl : db.url, supportBigNumbers: true });
      connection.on("error", () => {});
      return {
        query: async <R>(sql: string, params: unknown[] = []) => (await connection.query(sql, params))[0] as R[],
        run: async (sql: string) => void (await connection.query(sql)),
        close: () => connection.end(),
      };
    },
    dispose: () => db.dispose(),
  };
}

/** The three SQL databases, and PostgreSQL through PgBouncer, each a fresh empty database (or a skip that names its reason). */
export async function provideAll(): Promise<Provider[]> {
  return [sqliteProvider(), await postgresProvider(), await mysqlProvider(), await pgbouncerProvider()];
}

/** One provider by name. */
export async function provide(name: ProviderName): Promise<Provider> {
  if (name === "sqlite") return sqliteProvider();
  if (name === "pgbouncer") return pgbouncerProvider();
  return name === "postgres" ? postgresProvider() : mysqlProvider();
}
