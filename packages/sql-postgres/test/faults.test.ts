import { randomBytes } from "node:crypto";
import { ConnectionError, DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";
import postgres from "../src/index.js";
import { activeBackends, eventually, failure, rawClient, rawQuery, runNode, sqlNode } from "./support.js";

const res = await useTestDatabase("postgres", { ownServer: true });
const url = res.ok ? res.db.url : "";
const server = res.ok ? res.db.server : undefined;
const suffix = () => randomBytes(4).toString("hex");

/**
 * A trigger that makes an insert of the row with n = `at` wait for advisory lock 4242, so a bulk
 * write can be caught half-way, deterministically, by a test that holds that lock.
 */
async function blockInsertsAt(raw: pg.Client, table: string, at: number): Promise<void> {
  await raw.query(`CREATE OR REPLACE FUNCTION "block_${table}"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.n = ${at} THEN PERFORM pg_advisory_lock(4242); END IF; RETURN NEW; END $$`);
  await raw.query(`CREATE TRIGGER block BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "block_${table}"()`);
}

async function waitingOnAdvisoryLock(raw: pg.Client): Promise<boolean> {
  const { rows } = await raw.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'");
  return rows[0].n > 0;
}

describe.skipIf(!res.ok || !server)(`PostgreSQL faults on an own server${res.ok ? "" : ` [${res.reason}]`}`, () => {
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });

  it("1,000 concurrent single-row workflows on a pool of 10 all complete, each row exactly once", async () => {
    const db = new DataFlow({ url, plugins: [postgres], pool: { max: 10 } });
    try {
      const table = `concurrent_${suffix()}`;
      db.model("Hit", { label: field.string().unique(), n: field.int() }, { table });
      const runtime = new LocalRuntime({ dataflow: db });
      const runs = Array.from({ length: 1000 }, (_, i) => {
        const wf = new WorkflowBuilder({ dataflow: db }).addNode("Hit_Create", "c", { data: { label: `hit-${i}`, n: i } }).build();
        return runtime.execute(wf);
      });
      const results = await Promise.all(runs);
      expect(new Set(results.map((r) => r.results.c.result.id)).size).toBe(1000);
      const { rows } = await rawQuery(url, `SELECT count(*)::int AS n, count(DISTINCT label)::int AS labels, sum(n)::int AS total FROM "${table}"`);
      expect(rows[0]).toEqual({ n: 1000, labels: 1000, total: (999 * 1000) / 2 });
      const stats = (db.adapter as PostgresAdapter).poolStats();
      expect(stats.total).toBeLessThanOrEqual(10);
      expect(stats.waiting).toBe(0);
      const backends = await rawQuery(url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dataflow'");
      expect(backends.rows[0].n).toBeLessThanOrEqual(10);
    } finally {
      await db.close();
    }
  });

  it("a server stopped during a query fails the node with ConnectionError, and the pool serves new work after restart", async () => {
    const db = new DataFlow({ url, plugins: [postgres], pool: { max: 3 } });
    const raw = await rawClient(url);
    try {
      const node = sqlNode(db);
      await runNode(db, node, { sql: "SELECT 1" });
      const running = failure(runNode(db, node, { sql: "SELECT pg_sleep(5) AS stop_me" }));
      await eventually(async () => (await activeBackends(raw, "stop_me")).length === 1, "the sleep runs");
      await server!.stop();
      const err = await running;
      expect(err).toBeInstanceOf(ConnectionError);
      expect(await failure(runNode(db, node, { sql: "SELECT 1" }))).toBeInstanceOf(ConnectionError);
      await server!.start();
      expect((await runNode(db, node, { sql: "SELECT 41 + 1 AS answer" })).rows).toEqual([{ answer: 42 }]);
    } finally {
      await raw.end().catch(() => {});
      await db.close();
    }
  });

  for (const [path, params, blockAt, stop] of [
    ["COPY", {}, 150_000, "stop"],
    ["UNNEST", { onConflict: "skip", batchSize: 10_000 }, 25_000, "kill"],
  ] as const) {
    it(`a server ${stop === "stop" ? "stopped" : "killed"} during a ${path} BulkCreate leaves no row of it`, async () => {
      const db = new DataFlow({ url, plugins: [postgres] });
      const table = `bulk_fault_${suffix()}`;
      db.model("Item", { label: field.string(), n: field.int() }, { table });
      await db.initialize();
      const locker = await rawClient(url);
      try {
        await blockInsertsAt(locker, table, blockAt);
        await locker.query("SELECT pg_advisory_lock(4242)");
        const data = Array.from({ length: 200_000 }, (_, i) => ({ label: `row ${i}`, n: i }));
        const running = failure(runNode(db, "Item_BulkCreate", { data, ...params }));
        await eventually(() => waitingOnAdvisoryLock(locker), "the bulk write is half-way", 400);
        if (stop === "stop") await server!.stop();
        else await server!.kill();
        const err = await running;
        expect(err).toBeInstanceOf(ConnectionError);
        await server!.start();
        const { rows } = await rawQuery(url, `SELECT count(*)::int AS n FROM "${table}"`);
        expect(rows[0].n).toBe(0);
        const after = await runNode(db, "Item_BulkCreate", { data: data.slice(0, 1000), ...params });
        expect(after.result.inserted).toBe(1000);
      } finally {
        await locker.end().catch(() => {});
        await db.close();
      }
    });
  }
});
