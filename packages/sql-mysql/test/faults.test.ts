import { ConnectionError, DataFlow, TooManyConnectionsError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { eventually, failure, runNode, sqlNode } from "./support.js";

// A server of our own, to stop, start and kill.
const res = await useTestDatabase("mysql", { ownServer: true });
const url = res.ok ? res.db.url : "";
const server = res.ok ? res.db.server : undefined;
afterAll(() => (res.ok ? res.db.dispose() : undefined));

describe.skipIf(!res.ok || !server)("server faults", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql], pool: { max: 4 } });
    db.model("Ledger", { n: field.int(), note: field.string() }, { table: "ledger" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("server stopped mid-query: ConnectionError; after start() the pool serves again", { timeout: 120_000 }, async () => {
    const sql = "SELECT SLEEP(60) AS s";
    const run = failure(runNode(db, sqlNode(db), { sql }));
    await eventually(async () => (await rawQuery(url, "SELECT 1 FROM information_schema.processlist WHERE info = ?", [sql])).length > 0, "the statement runs");
    await server!.stop();
    expect(await run).toBeInstanceOf(ConnectionError);
    expect(await failure(runNode(db, "Ledger_Create", { data: { n: 1, note: "while down" } }))).toBeInstanceOf(ConnectionError);
    await server!.start();
    const { result } = await runNode(db, "Ledger_Create", { data: { n: 2, note: "after restart" } });
    expect(result.n).toBe(2);
    expect(await rawQuery(url, "SELECT n FROM ledger")).toEqual([{ n: "2" }]);
    expect((await db.healthCheck()).ok).toBe(true);
  });

  it("server stopped during a BulkCreate: no half-written batch survives", { timeout: 120_000 }, async () => {
    // A trigger parks one statement of the bulk write in the server, after earlier ones wrote rows.
    await rawQuery(url, "CREATE TRIGGER ledger_park BEFORE INSERT ON ledger FOR EACH ROW BEGIN IF NEW.n = 150000 THEN DO SLEEP(60); END IF; END");
    const data = Array.from({ length: 200_000 }, (_, n) => ({ n, note: `bulk ${n}` }));
    const run = failure(runNode(db, "Ledger_BulkCreate", { data }));
    await eventually(
      async () => (await rawQuery(url, "SELECT 1 FROM information_schema.processlist WHERE info = 'DO SLEEP(60)' AND state = 'User sleep'")).length > 0,
      "the bulk write is parked",
      1200,
    );
    await server!.stop();
    expect(await run).toBeInstanceOf(ConnectionError);
    await server!.start();
    await rawQuery(url, "DROP TRIGGER ledger_park");
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM ledger WHERE note LIKE 'bulk %'")).toEqual([{ n: "0" }]);
    expect((await runNode(db, "Ledger_BulkCreate", { data: data.slice(0, 1000) })).result.inserted).toBe(1000);
  });

  it("server killed (SIGKILL) inside a transaction: its writes are gone after restart", { timeout: 120_000 }, async () => {
    const adapter = db.adapter as MysqlAdapter;
    const tx = await adapter.begin();
    await tx.executor.query("INSERT INTO ledger (n, note, created_at, updated_at) VALUES (?, ?, NOW(6), NOW(6))", [99, "uncommitted"]);
    await server!.kill();
    expect(adapter.mapError(await failure(tx.executor.query("SELECT 1", [])))).toBeInstanceOf(ConnectionError);
    await adapter.rollback(tx);
    await server!.start();
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM ledger WHERE note = 'uncommitted'")).toEqual([{ n: "0" }]);
    expect((await runNode(db, "Ledger_Create", { data: { n: 3, note: "alive" } })).result.note).toBe("alive");
  });

  it("a server that refuses to prepare (max_prepared_stmt_count reached): the bulk write goes as text, every row in", { timeout: 120_000 }, async () => {
    const admin = res.ok ? res.db.adminUrl : "";
    const [limit] = await rawQuery<{ n: string }>(admin, "SELECT @@GLOBAL.max_prepared_stmt_count AS n");
    await rawQuery(admin, "SET GLOBAL max_prepared_stmt_count = 0");
    const retried: Array<{ errno: unknown; paramCount: unknown }> = [];
    const warn = (obj: object | string, msg?: string) => {
      if (typeof obj === "object" && msg?.startsWith("retrying a statement as text")) {
        const { errno, paramCount } = obj as { errno: unknown; paramCount: unknown };
        retried.push({ errno, paramCount });
      }
    };
    const logger = { debug: () => {}, info: () => {}, error: () => {}, warn };
    const fresh = new DataFlow({ url, plugins: [mysql], pool: { max: 1 }, namespace: "refusing", logger });
    try {
      fresh.model("Ledger", { n: field.int(), note: field.string() }, { table: "ledger" });
      const data = Array.from({ length: 5 }, (_, i) => ({ n: 900 + i, note: `refused ${i}` }));
      // statements of 2 rows: two would go prepared, the server refuses both
      expect(await runNode(fresh, "refusing.Ledger_BulkCreate", { data, batchSize: 2 })).toEqual({ result: { inserted: 5, skipped: 0, updated: 0 } });
      // both full chunks were refused and retried as text; nothing was executed prepared
      expect(retried).toEqual([
        { errno: 1461, paramCount: 8 },
        { errno: 1461, paramCount: 8 },
      ]);
      const executed = (await fresh.sql`SHOW SESSION STATUS LIKE 'Com_stmt_execute'`) as Array<{ Value: string }>;
      expect(executed[0]!.Value).toBe("0");
    } finally {
      await fresh.close();
      await rawQuery(admin, `SET GLOBAL max_prepared_stmt_count = ${Number(limit!.n)}`);
    }
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM ledger WHERE note LIKE 'refused %'")).toEqual([{ n: "5" }]);
  });

  it("a server out of connections: TooManyConnectionsError, not a hang; no password in any message", { timeout: 120_000 }, async () => {
    // root may exceed max_connections on MariaDB, so this runs as an ordinary user.
    const admin = res.ok ? res.db.adminUrl : "";
    const database = new URL(url).pathname.slice(1);
    await rawQuery(admin, "CREATE USER 'app'@'%' IDENTIFIED BY 'Secr3t-pw'");
    await rawQuery(admin, `GRANT ALL ON \`${database}\`.* TO 'app'@'%'`);
    await rawQuery(admin, "SET GLOBAL max_connections = 10"); // the smallest MariaDB accepts
    const appUrl = new URL(url);
    appUrl.username = "app";
    appUrl.password = "Secr3t-pw";
    const busy = new DataFlow({ url: appUrl.toString(), plugins: [mysql], pool: { max: 16 } });
    try {
      const node = sqlNode(busy);
      const outcomes = await Promise.allSettled(Array.from({ length: 16 }, () => runNode(busy, node, { sql: "SELECT SLEEP(1) AS s" })));
      const errors = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason as Error & { cause?: Error });
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error.cause).toBeInstanceOf(TooManyConnectionsError);
        expect(`${error.message} ${error.cause?.message} ${String((error.cause?.cause as Error | undefined)?.message)}`).not.toContain("Secr3t-pw");
      }
    } finally {
      await busy.close();
      await rawQuery(admin, "SET GLOBAL max_connections = 100");
    }
    const wrong = new URL(appUrl);
    wrong.password = "Wrong-pw-123";
    const denied = new DataFlow({ url: wrong.toString(), plugins: [mysql] });
    try {
      const error = await failure(runNode(denied, sqlNode(denied), { sql: "SELECT 1" }));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.message).not.toContain("Wrong-pw-123");
    } finally {
      await denied.close();
    }
  });
});
