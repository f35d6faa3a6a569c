import { randomBytes } from "node:crypto";
import { loadMysql, loadPg, type MysqlModule, type PgModule } from "./drivers.js";
import { sleep } from "./ports.js";
import type { DatabaseKind } from "./types.js";

const CONNECT_TIMEOUT_MS = 10_000;

export type Driver = { kind: "postgres"; pg: PgModule } | { kind: "mysql"; mysql: MysqlModule };

export async function loadDriver(kind: DatabaseKind): Promise<Driver | undefined> {
  if (kind === "postgres") {
    const pg = await loadPg();
    return pg && { kind, pg };
  }
  const mysql = await loadMysql();
  return mysql && { kind, mysql };
}

export const MISSING_DRIVER: Record<DatabaseKind, string> = {
  postgres: "the 'pg' driver is not installed (needed to create test databases)",
  mysql: "the 'mysql2' driver is not installed (needed to create test databases)",
};

export function uniqueDatabaseName(): string {
  return `df_test_${randomBytes(6).toString("hex")}`;
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs statements on one short-lived admin connection. */
async function withAdmin<T>(
  driver: Driver,
  adminUrl: string,
  work: (query: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  if (driver.kind === "postgres") {
    const client = new driver.pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on("error", () => {});
    await client.connect();
    try {
      return await work(async (sql, params) => (await client.query(sql, params)).rows);
    } finally {
      await client.end().catch(() => {});
    }
  }
  const connection = await driver.mysql.createConnection({ uri: adminUrl, connectTimeout: CONNECT_TIMEOUT_MS });
  connection.on("error", () => {});
  try {
    return await work(async (sql, params) => {
      const [rows] = await connection.query(sql, params);
      return Array.isArray(rows) ? (rows as Array<Record<string, unknown>>) : [];
    });
  } finally {
    await connection.end().catch(() => {});
  }
}

export async function createDatabase(driver: Driver, adminUrl: string, name: string): Promise<void> {
  await withAdmin(driver, adminUrl, async (query) => {
    if (driver.kind === "postgres") await query(`CREATE DATABASE "${name}"`);
    else {
      // The server's collation when it is a utf8mb4 one, rather than the charset's default.
      const [row] = await query("SELECT @@collation_server AS c");
      const collation = String(row?.c ?? "");
      const collate = /^utf8mb4_\w+$/.test(collation) ? ` COLLATE ${collation}` : "";
      await query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4${collate}`);
    }
  });
}

/** Drops the database, first ending sessions still connected to it. */
export async function dropDatabase(driver: Driver, adminUrl: string, name: string): Promise<void> {
  await withAdmin(driver, adminUrl, async (query) => {
    if (driver.kind === "postgres") {
      const [row] = await query("SELECT current_setting('server_version_num')::int AS v");
      const force = Number(row?.v) >= 130000 ? " WITH (FORCE)" : "";
      await query(`DROP DATABASE IF EXISTS "${name}"${force}`);
      return;
    }
    const sessions = await query("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [name]);
    for (const session of sessions) await query(`KILL ${Number(session.id)}`).catch(() => {});
    await query(`DROP DATABASE IF EXISTS \`${name}\``);
  });
}

export async function waitUntilQueryable(driver: Driver, adminUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await withAdmin(driver, adminUrl, (query) => query("SELECT 1"));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}
