import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The slice of `pg` used here (typed locally so `@types/pg` is not needed). */
export interface PgClient {
  connect(): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): unknown;
}
export interface PgModule {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClient;
}

/** The slice of `mysql2/promise` used here. */
export interface MysqlConnection {
  query(sql: string, params?: unknown[]): Promise<[unknown, unknown]>;
  end(): Promise<void>;
  on(event: "error", listener: (error: Error) => void): unknown;
}
export interface MysqlModule {
  createConnection(config: { uri: string; connectTimeout?: number }): Promise<MysqlConnection>;
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/**
 * Imports an optional package, first as seen from this package, then from the current
 * working directory (the package under test, which may be the one declaring the driver).
 * The specifier is a variable so bundlers leave it external.
 */
export async function importOptional(specifier: string): Promise<unknown> {
  try {
    return await import(specifier);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    const resolved = createRequire(join(process.cwd(), "package.json")).resolve(specifier);
    return await import(pathToFileURL(resolved).href);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function pick<T>(mod: unknown, key: string): T | undefined {
  const m = mod as Record<string, unknown> | undefined;
  if (m && typeof m[key] === "function") return m as T;
  const d = m?.default as Record<string, unknown> | undefined;
  if (d && typeof d[key] === "function") return d as T;
  return undefined;
}

export async function loadPg(): Promise<PgModule | undefined> {
  return pick<PgModule>(await importOptional("pg"), "Client");
}

export async function loadMysql(): Promise<MysqlModule | undefined> {
  return pick<MysqlModule>(await importOptional("mysql2/promise"), "createConnection");
}
