import { AbortError, DataFlow, LocalRuntime, TimeoutError, WorkflowBuilder, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { eventually, failure, runNode, sqlNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function killsIssued(): Promise<number> {
  const [row] = await rawQuery<{ Value: string }>(url, "SHOW GLOBAL STATUS LIKE 'Com_kill'");
  return Number(row!.Value);
}

async function running(sql: string): Promise<boolean> {
  return (await rawQuery(url, "SELECT 1 FROM information_schema.processlist WHERE info = ?", [sql])).length > 0;
}

describe.skipIf(!res.ok)("cancellation: ctx.signal -> KILL QUERY", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Row", { n: field.int(), pad: field.string() }, { table: "abort_rows" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("aborting the run kills a running SELECT SLEEP(60); the node fails with AbortError and the adapter carries on", { timeout: 20_000 }, async () => {
    const sql = "SELECT SLEEP(60) AS slept";
    const controller = new AbortController();
    const kills = await killsIssued();
    const run = failure(runNode(db, sqlNode(db), { sql }, { signal: controller.signal }));
    await eventually(() => running(sql), "the statement runs on the server");
    controller.abort(new Error("user cancelled"));
    const error = await run;
    expect(error).toBeInstanceOf(AbortError);
    expect(await killsIssued()).toBeGreaterThan(kills);
    expect(await running(sql)).toBe(false);
    const after = await runNode(db, sqlNode(db), { sql: "SELECT 41 + 1 AS answer" });
    expect(after.rows).toEqual([{ answer: 42 }]);
  });

  it("an aborted BulkCreate leaves none of its rows", { timeout: 60_000 }, async () => {
    // A trigger parks one statement of the bulk write in the server, after earlier ones wrote rows.
    await rawQuery(url, "CREATE TRIGGER abort_rows_park BEFORE INSERT ON abort_rows FOR EACH ROW BEGIN IF NEW.n = 120000 THEN DO SLEEP(60); END IF; END");
    try {
      const controller = new AbortController();
      const data = Array.from({ length: 150_000 }, (_, n) => ({ n, pad: "p".repeat(50) }));
      const run = failure(runNode(db, "Row_BulkCreate", { data }, { signal: controller.signal }));
      await eventually(
        async () => (await rawQuery(url, "SELECT 1 FROM information_schema.processlist WHERE info = 'DO SLEEP(60)' AND state = 'User sleep'")).length > 0,
        "the bulk write is parked",
        1200,
      );
      controller.abort();
      expect(await run).toBeInstanceOf(AbortError);
      expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM abort_rows")).toEqual([{ n: "0" }]);
    } finally {
      await rawQuery(url, "DROP TRIGGER abort_rows_park");
    }
    expect(
      (
        await runNode(db, "Row_BulkCreate", {
          data: [
            { n: 1, pad: "a" },
            { n: 2, pad: "b" },
          ],
        })
      ).result.inserted,
    ).toBe(2);
  });

  it("a run aborted before a node starts runs no statement", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runNode(db, "Row_Create", { data: { n: 1, pad: "x" } }, { signal: controller.signal })).rejects.toThrow(/aborted/);
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM abort_rows WHERE n = 1 AND pad = 'x'")).toEqual([{ n: "0" }]);
  });
});

describe.skipIf(!res.ok)("statement timeout (pool.statementTimeoutMs)", () => {
  let db: DataFlow;
  beforeAll(() => {
    db = new DataFlow({ url, plugins: [mysql], pool: { statementTimeoutMs: 300 } });
  });
  afterAll(() => db.close());

  it("a statement over its timeout fails with TimeoutError; the connection stays usable", async () => {
    const node = sqlNode(db);
    expect(await failure(runNode(db, node, { sql: "SELECT SLEEP(5) AS s" }))).toBeInstanceOf(TimeoutError);
    const digits =
      "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    const heavy = `SELECT COUNT(*) AS n FROM ${Array.from({ length: 9 }, (_, i) => `${digits} t${i}`).join(", ")}`;
    expect(await failure(runNode(db, node, { sql: heavy }))).toBeInstanceOf(TimeoutError);
    expect((await runNode(db, node, { sql: "SELECT 1 AS one" })).rows).toEqual([{ one: 1 }]);
    const adapter = db.adapter as MysqlAdapter;
    if (adapter.server.flavor === "mariadb") {
      // MariaDB's max_statement_time also covers writes (MySQL's max_execution_time covers SELECT only).
      await rawQuery(url, "CREATE TABLE timeout_sink (n BIGINT)");
      expect(await failure(runNode(db, node, { sql: `INSERT INTO timeout_sink (n) ${heavy}` }))).toBeInstanceOf(TimeoutError);
      expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM timeout_sink")).toEqual([{ n: "0" }]);
    }
  });
});

describe.skipIf(!res.ok)("1,000 concurrent workflows on a pool of 10", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql], pool: { max: 10 } });
    db.model("Hit", { n: field.int().unique(), label: field.string() }, { table: "hits" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("all complete, and each row is stored exactly once", async () => {
    const runtime = new LocalRuntime({ dataflow: db });
    const runs = Array.from({ length: 1000 }, (_, n) => {
      const wf = new WorkflowBuilder({ dataflow: db })
        .addNode("Hit_Create", "create", { data: { n, label: `hit ${n}` } })
        .addNode("Hit_Read", "read", {})
        .addConnection("create", "result.id", "read", "id")
        .build();
      return runtime.execute(wf);
    });
    const results = await Promise.all(runs);
    expect(results.map((r) => r.results.read.result.n)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    expect(await rawQuery(url, "SELECT COUNT(*) AS n, COUNT(DISTINCT n) AS distinct_n, COUNT(DISTINCT id) AS ids FROM hits")).toEqual([
      { n: "1000", distinct_n: "1000", ids: "1000" },
    ]);
    const stats = (db.adapter as MysqlAdapter).poolStats();
    expect(stats.total).toBeLessThanOrEqual(10);
    expect(stats.waiting).toBe(0);
  });
});
