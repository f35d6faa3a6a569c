import { existsSync, readFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadMysql, loadPg } from "../src/provision/drivers.js";
import {
  isDatabaseRequired,
  provisionDatabase,
  provisionPgbouncerDatabase,
  usePgbouncerDatabase,
  requiredDatabases,
  useTestDatabase,
  type DatabaseKind,
  type ProvisionResult,
  type TestDatabase,
} from "../src/provision/index.js";

type Row = Record<string, unknown>;

async function query(kind: DatabaseKind, url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  if (kind === "postgres") {
    const pg = await loadPg();
    if (!pg) throw new Error("pg not installed");
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => {});
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
  const mysql = await loadMysql();
  if (!mysql) throw new Error("mysql2 not installed");
  const connection = await mysql.createConnection({ uri: url });
  try {
    const [rows] = await connection.query(sql, params);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  } finally {
    await connection.end();
  }
}

const ph = (kind: DatabaseKind, n: number) => (kind === "postgres" ? `$${n}` : "?");

async function tableNames(db: TestDatabase): Promise<string[]> {
  const sql =
    db.kind === "postgres"
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()";
  return (await query(db.kind, db.url, sql)).map((row) => String(row.name));
}

async function databaseExists(db: TestDatabase, name: string): Promise<boolean> {
  const sql = db.kind === "postgres" ? "SELECT 1 FROM pg_database WHERE datname = $1" : "SELECT 1 FROM information_schema.schemata WHERE schema_name = ?";
  return (await query(db.kind, db.adminUrl, sql, [name])).length > 0;
}

const databaseName = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

async function writeNote(db: TestDatabase, note: string): Promise<void> {
  await query(db.kind, db.url, "CREATE TABLE IF NOT EXISTS notes (id INT PRIMARY KEY, note VARCHAR(100) NOT NULL)");
  const [{ n }] = (await query(db.kind, db.url, "SELECT COUNT(*) AS n FROM notes")) as [Row];
  await query(db.kind, db.url, `INSERT INTO notes (id, note) VALUES (${ph(db.kind, 1)}, ${ph(db.kind, 2)})`, [Number(n) + 1, note]);
}

async function readNotes(db: TestDatabase): Promise<string[]> {
  return (await query(db.kind, db.url, "SELECT note FROM notes ORDER BY id")).map((row) => String(row.note));
}

function expectGone(pid: number): void {
  expect(() => process.kill(pid, 0)).toThrow();
}

/** The server's temp dir, from its command line: `-D <dir>/data` (PostgreSQL) or `--datadir=<dir>/data`. */
function serverDir(pid: number): string | undefined {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
  const dataDir = args.includes("-D") ? args[args.indexOf("-D") + 1] : args.find((arg) => arg.startsWith("--datadir="))?.slice("--datadir=".length);
  return dataDir?.replace(/\/data$/, "");
}

const label = (kind: DatabaseKind, res: ProvisionResult) => `${kind} (${res.ok ? res.db.source : `skipped: ${res.reason}`})`;

const KINDS: DatabaseKind[] = ["postgres", "mysql"];
const hasPgDriver = (await loadPg()) !== undefined;
const [sharedPg, sharedMy, ownedPg, ownedMy] = await Promise.all([
  useTestDatabase("postgres"),
  useTestDatabase("mysql"),
  useTestDatabase("postgres", { ownServer: true }),
  useTestDatabase("mysql", { ownServer: true }),
]);
const shared = { postgres: sharedPg, mysql: sharedMy };
const owned = { postgres: ownedPg, mysql: ownedMy };

afterAll(async () => {
  for (const res of [...Object.values(shared), ...Object.values(owned)]) if (res.ok) await res.db.dispose();
});

for (const kind of KINDS) {
  const res = shared[kind];
  describe.skipIf(!res.ok)(label(kind, res), () => {
    const db = res.ok ? res.db : (undefined as never);

    it("connects and round-trips rows", async () => {
      expect(await query(kind, db.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await writeNote(db, "héllo ✓");
      expect(await readNotes(db)).toEqual(["héllo ✓"]);
      expect(databaseName(db)).toMatch(/^df_test_[0-9a-f]+$/);
      const expected = kind === "postgres" ? /^postgresql:\/\/postgres@/ : /^mysql:\/\/root@/;
      if (db.source !== "env") expect(db.url).toMatch(expected);
    });

    it("gives every provision its own empty database and drops it on dispose", async () => {
      const other = await provisionDatabase(kind);
      if (!other.ok) throw new Error(other.reason);
      try {
        expect(other.db.url).not.toBe(db.url);
        expect(other.db.adminUrl).toBe(db.adminUrl);
        expect(await tableNames(other.db)).toEqual([]);
        await query(kind, other.db.url, "CREATE TABLE only_here (id INT)");
        expect(await tableNames(db)).not.toContain("only_here");
      } finally {
        await other.db.dispose();
      }
      expect(await databaseExists(db, databaseName(other.db))).toBe(false);
      expect(await databaseExists(db, databaseName(db))).toBe(true);
      await other.db.dispose();
    });

    if (kind === "mysql")
      it.skipIf(db?.source === "env")("uses utf8mb4 and a strict sql_mode", async () => {
        const [row] = await query(kind, db.url, "SELECT @@character_set_database AS cs, @@collation_database AS co, @@GLOBAL.sql_mode AS mode");
        expect(row?.cs).toBe("utf8mb4");
        expect(row?.co).toBe("utf8mb4_unicode_ci");
        expect(String(row?.mode)).toContain("STRICT_TRANS_TABLES");
        await query(kind, db.url, "CREATE TABLE strict_check (v VARCHAR(3))");
        await expect(query(kind, db.url, "INSERT INTO strict_check VALUES ('too long')")).rejects.toThrow();
      });
  });
}

for (const kind of KINDS) {
  const res = owned[kind];
  describe.skipIf(!res.ok)(`own server: ${label(kind, res)}`, () => {
    const db = res.ok ? res.db : (undefined as never);

    it("keeps its data across stop() + start() on the same port", async () => {
      const server = db.server!;
      const port = server.port;
      await writeNote(db, "before stop");
      await server.stop();
      expect(server.pid).toBeUndefined();
      await expect(query(kind, db.url, "SELECT 1")).rejects.toThrow();
      await server.start();
      expect(server.port).toBe(port);
      expect(server.pid).toBeTypeOf("number");
      expect(await readNotes(db)).toEqual(["before stop"]);
    });

    it("recovers committed data after kill() + start()", async () => {
      const server = db.server!;
      await writeNote(db, "before crash");
      const pid = server.pid!;
      await server.kill();
      expectGone(pid);
      await server.start();
      expect(await readNotes(db)).toContain("before crash");
    });
  });
}

describe.skipIf(!shared.postgres.ok && !shared.mysql.ok)("dedicated server disposal", () => {
  it.each(KINDS.filter((kind) => shared[kind].ok))("%s: dispose() stops the process and removes its temp dir", async (kind) => {
    const res = await provisionDatabase(kind, { ownServer: true });
    if (!res.ok) throw new Error(res.reason);
    const pid = res.db.server?.pid;
    if (pid === undefined) return; // container tier: no local process to check
    const dir = serverDir(pid);
    if (dir) expect(existsSync(dir)).toBe(true);
    await res.db.dispose();
    expectGone(pid);
    if (dir) expect(existsSync(dir)).toBe(false);
    await res.db.dispose();
  });
});

describe("requiredDatabases()", () => {
  const saved = { CI: process.env.CI, REQUIRE: process.env.DATAFLOW_TEST_REQUIRE };
  const set = (ci: string | undefined, require: string | undefined) => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
    if (require === undefined) delete process.env.DATAFLOW_TEST_REQUIRE;
    else process.env.DATAFLOW_TEST_REQUIRE = require;
  };
  afterEach(() => set(saved.CI, saved.REQUIRE));

  it("requires nothing locally", () => {
    set(undefined, undefined);
    expect(requiredDatabases()).toEqual(new Set());
    set("false", "");
    expect(requiredDatabases()).toEqual(new Set());
    expect(isDatabaseRequired("postgres")).toBe(false);
  });

  it("requires every database under CI=true", () => {
    set("true", undefined);
    expect(requiredDatabases()).toEqual(new Set(["postgres", "mysql", "pgvector", "sqlite", "pgbouncer", "mongodb"]));
    expect(isDatabaseRequired("mysql")).toBe(true);
    expect(isDatabaseRequired("pgbouncer")).toBe(true);
  });

  it("takes DATAFLOW_TEST_REQUIRE as a comma list with aliases, overriding CI", () => {
    set("true", " postgresql, MariaDB ,,sqlite ");
    expect(requiredDatabases()).toEqual(new Set(["postgres", "mysql", "sqlite"]));
    expect(isDatabaseRequired("pg")).toBe(true);
    expect(isDatabaseRequired("pgvector")).toBe(false);
    expect(isDatabaseRequired("mongodb")).toBe(false);
    set("true", "none");
    expect(requiredDatabases()).toEqual(new Set());
    set(undefined, "all");
    expect(requiredDatabases().size).toBe(6);
    set(undefined, "mongo");
    expect(isDatabaseRequired("mongodb")).toBe(true);
  });

  it("rejects unknown names instead of silently skipping", () => {
    set(undefined, "postgres,postgress");
    expect(() => requiredDatabases()).toThrow(/postgress/);
  });

  it.runIf(hasPgDriver)("makes usePgbouncerDatabase throw when pgbouncer is required and its URL does not answer", async () => {
    const savedUrl = process.env.DATAFLOW_TEST_PGBOUNCER_URL;
    process.env.DATAFLOW_TEST_PGBOUNCER_URL = "postgresql://u:s3cr3t@127.0.0.1:1/none";
    try {
      set(undefined, "pgbouncer");
      const error = await usePgbouncerDatabase().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/pgbouncer test database is required/);
      expect(error?.message).not.toContain("s3cr3t");
      set(undefined, "none");
      const res = await usePgbouncerDatabase();
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.reason).toContain("DATAFLOW_TEST_PGBOUNCER_URL=postgresql://u:***@127.0.0.1:1/none");
    } finally {
      if (savedUrl === undefined) delete process.env.DATAFLOW_TEST_PGBOUNCER_URL;
      else process.env.DATAFLOW_TEST_PGBOUNCER_URL = savedUrl;
    }
  });

  it.runIf(hasPgDriver)("makes useTestDatabase throw when a required database is unavailable", async () => {
    const savedUrl = process.env.DATAFLOW_TEST_POSTGRES_URL;
    process.env.DATAFLOW_TEST_POSTGRES_URL = "postgresql://u:s3cr3t@127.0.0.1:1/none";
    try {
      set(undefined, "postgres");
      const error = await useTestDatabase("postgres").then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/required/);
      expect(error?.message).not.toContain("s3cr3t");
      set(undefined, "none");
      const res = await useTestDatabase("postgres");
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.reason).toContain("postgresql://u:***@127.0.0.1:1/none");
    } finally {
      if (savedUrl === undefined) delete process.env.DATAFLOW_TEST_POSTGRES_URL;
      else process.env.DATAFLOW_TEST_POSTGRES_URL = savedUrl;
    }
  });
});

const bouncer = hasPgDriver ? await provisionPgbouncerDatabase() : ({ ok: false, reason: "pg not installed" } as const);

describe.skipIf(!bouncer.ok)(`a database behind PgBouncer${bouncer.ok ? "" : ` [${bouncer.reason}]`}`, () => {
  afterAll(async () => {
    if (bouncer.ok) await bouncer.db.dispose();
  });

  it("is the database of directUrl, reached through a PgBouncer in transaction pooling mode with poolSize server connections", async () => {
    if (!bouncer.ok) return;
    const { db } = bouncer;
    expect(new URL(db.url).port).not.toBe(new URL(db.directUrl).port);
    await query("postgres", db.directUrl, "CREATE TABLE behind_bouncer (n int)");
    await query("postgres", db.directUrl, "INSERT INTO behind_bouncer VALUES (7)");
    expect(await query("postgres", db.url, "SELECT n FROM behind_bouncer")).toEqual([{ n: 7 }]);
    const config = new Map((await query("postgres", db.consoleUrl!, "SHOW CONFIG")).map((r) => [r.key, r.value]));
    expect(config.get("pool_mode")).toBe("transaction");
    expect(Number(config.get("default_pool_size"))).toBe(db.poolSize);
  });
});
