import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDriver } from "./admin.js";
import { findPgbouncerBinary } from "./binaries.js";
import { isDatabaseRequired } from "./env.js";
import { LocalServer } from "./local-server.js";
import { provisionDatabase } from "./provision.js";
import { errorText, maskUrl } from "./redact.js";
import { isRoot, makeServerDir, systemUser } from "./run-as.js";
import type { ProvisionOptions, ServerControl, TestDatabase } from "./types.js";

export const PGBOUNCER_URL_ENV = "DATAFLOW_TEST_PGBOUNCER_URL";

/** Server connections per database and user: small, so clients share (and reuse) server connections. */
export const PGBOUNCER_POOL_SIZE = 2;

const MISSING_PGBOUNCER = "no pgbouncer binary on PATH or in /usr/sbin (apt-get install pgbouncer), and no " + PGBOUNCER_URL_ENV;

/** PgBouncer's `pool_mode`: when a server connection goes back to the pool. */
export type PgbouncerPoolMode = "transaction" | "session";

export interface PgbouncerOptions extends Pick<ProvisionOptions, "maxConnections"> {
  /** Default `transaction`; `session` always starts its own PgBouncer (DATAFLOW_TEST_PGBOUNCER_URL is a transaction-mode one). */
  poolMode?: PgbouncerPoolMode;
}

export interface PgbouncerDatabase extends TestDatabase {
  /** The same fresh database, reached through PgBouncer (transaction pooling unless asked otherwise). */
  url: string;
  /** The database reached directly on PostgreSQL, bypassing PgBouncer (for checks). */
  directUrl: string;
  /** PgBouncer's admin console (`SHOW SERVERS`, `SHOW POOLS`). Absent with DATAFLOW_TEST_PGBOUNCER_URL. */
  consoleUrl?: string;
  /** Server connections PgBouncer keeps per database and user (default_pool_size). */
  poolSize: number;
  /** The PgBouncer process, when this process started it. */
  pgbouncer?: ServerControl;
}

export type PgbouncerProvisionResult = { ok: true; db: PgbouncerDatabase } | { ok: false; reason: string };

function pgbouncerConfig(port: number, backend: URL, dir: string, user: string, mode: PgbouncerPoolMode): string {
  return [
    "[databases]",
    `* = host=${backend.hostname} port=${backend.port || 5432}`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "auth_type = trust",
    `auth_file = ${join(dir, "userlist.txt")}`,
    // Roles a test creates are looked up on the server (trust still wants a known user).
    `auth_user = ${user}`,
    "admin_users = postgres",
    `pool_mode = ${mode}`,
    `default_pool_size = ${PGBOUNCER_POOL_SIZE}`,
    "min_pool_size = 0",
    "reserve_pool_size = 0",
    "max_client_conn = 500",
    "server_reset_query =",
    "",
  ].join("\n");
}

/** One PgBouncer per backend server and pool mode for this process; stopped when the process exits. */
const bouncers = new Map<string, Promise<LocalServer>>();

function launchPgbouncer(binary: string, backend: URL, mode: PgbouncerPoolMode): Promise<LocalServer> {
  const key = `${backend.hostname}:${backend.port}:${mode}`;
  let pending = bouncers.get(key);
  if (!pending) {
    pending = (async () => {
      // PgBouncer refuses to run as root.
      const runAs = isRoot() ? systemUser(["postgres", "nobody"]) : undefined;
      if (isRoot() && !runAs) throw new Error("running as root and no 'postgres' or 'nobody' user to run PgBouncer as");
      const dir = makeServerDir("dataflow-pgbouncer-", runAs);
      const user = decodeURIComponent(backend.username || "postgres");
      writeFileSync(join(dir, "userlist.txt"), `"${user.replace(/"/g, '""')}" ""\n`);
      const config = join(dir, "pgbouncer.ini");
      return LocalServer.launch({
        name: "PgBouncer",
        command: binary,
        // The listen port lives in the config file, so each start attempt writes it first.
        args: (port) => {
          writeFileSync(config, pgbouncerConfig(port, backend, dir, user, mode));
          return [config];
        },
        dir,
        runAs,
        stopSignal: "SIGTERM",
        isReady: (_pid, log) => /process up/i.test(log),
      });
    })();
    bouncers.set(key, pending);
    pending.catch(() => bouncers.delete(key));
  }
  return pending;
}

/** Connects through PgBouncer once, so a wrong DATAFLOW_TEST_PGBOUNCER_URL fails here with its reason. */
async function probe(url: string): Promise<void> {
  const driver = await loadDriver("postgres");
  if (driver?.kind !== "postgres") return;
  const client = new driver.pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

function through(direct: URL, bouncerPort: number): string {
  const url = new URL(direct.href);
  url.hostname = "127.0.0.1";
  url.port = String(bouncerPort);
  return url.toString();
}

/**
 * A fresh PostgreSQL database reached through PgBouncer in `options.poolMode` (transaction): the database
 * is created on the PostgreSQL test server (as `provisionDatabase("postgres")` finds it), and
 * PgBouncer is either the one in DATAFLOW_TEST_PGBOUNCER_URL (transaction mode, with a `*`
 * database entry pointing at that same server) or one this process starts from the `pgbouncer`
 * binary (own config dir and auth file, free port, stopped at exit).
 */
export async function provisionPgbouncerDatabase(options: PgbouncerOptions = {}): Promise<PgbouncerProvisionResult> {
  const mode = options.poolMode ?? "transaction";
  const fromEnv = mode === "transaction" ? process.env[PGBOUNCER_URL_ENV]?.trim() : undefined;
  const binary = fromEnv ? undefined : findPgbouncerBinary();
  if (!fromEnv && !binary) return { ok: false, reason: MISSING_PGBOUNCER };
  const provisioned = await provisionDatabase("postgres", options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections });
  if (!provisioned.ok) return { ok: false, reason: `no PostgreSQL server to put PgBouncer in front of: ${provisioned.reason}` };
  const db = provisioned.db;
  const direct = new URL(db.url);
  const database = direct.pathname.slice(1);
  try {
    if (fromEnv) {
      const url = withDatabase(fromEnv, database);
      await probe(url);
      return { ok: true, db: { ...db, url, directUrl: db.url, poolSize: PGBOUNCER_POOL_SIZE } };
    }
    const bouncer = await launchPgbouncer(binary!, direct, mode);
    const url = through(direct, bouncer.port);
    await probe(url);
    const pgbouncer: ServerControl = {
      get port() {
        return bouncer.port;
      },
      get pid() {
        return bouncer.pid;
      },
      stop: () => bouncer.stop(),
      start: () => bouncer.start(),
      kill: () => bouncer.kill(),
    };
    return {
      ok: true,
      db: { ...db, url, directUrl: db.url, consoleUrl: withDatabase(url, "pgbouncer"), poolSize: PGBOUNCER_POOL_SIZE, pgbouncer },
    };
  } catch (error) {
    await db.dispose().catch(() => {});
    const where = fromEnv ? `${PGBOUNCER_URL_ENV}=${maskUrl(fromEnv)}` : `PgBouncer from ${binary}`;
    return { ok: false, reason: `${where} failed: ${errorText(error)}` };
  }
}

/** For test files: like provisionPgbouncerDatabase, but throws when pgbouncer is required (CI=true, DATAFLOW_TEST_REQUIRE). */
export async function usePgbouncerDatabase(options: PgbouncerOptions = {}): Promise<PgbouncerProvisionResult> {
  const result = await provisionPgbouncerDatabase(options);
  if (!result.ok && isDatabaseRequired("pgbouncer")) {
    throw new Error(`pgbouncer test database is required (CI / DATAFLOW_TEST_REQUIRE) but unavailable: ${result.reason}`);
  }
  return result;
}
