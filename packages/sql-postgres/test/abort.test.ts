import { randomBytes } from "node:crypto";
import { AbortError, DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";
import postgres from "../src/index.js";
import { activeBackends, eventually, failure, rawClient, runNode, runningBackend, sqlNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
const suffix = () => randomBytes(4).toString("hex");

async function backendState(raw: pg.Client, pid: number): Promise<string | undefined> {
  const { rows } = await raw.query("SELECT state FROM pg_stat_activity WHERE pid = $1", [pid]);
  return rows[0]?.state;
}

describe.skipIf(!res.ok)(`PostgreSQL statement cancellation${res.ok ? "" : ` [${res.reason}]`}`, () => {
  let db: DataFlow;
  let raw: pg.Client;
  beforeAll(async () => {
    raw = await rawClient(url);
  });
  beforeEach(() => {
    db = new DataFlow({ url, plugins: [postgres], pool: { max: 2 } });
  });
  afterEach(async () => {
    await db.close();
  });
  afterAll(async () => {
    await raw?.end();
    if (res.ok) await res.db.dispose();
  });

  it("an AbortSignal cancels a running statement; the node fails with AbortError and the backend is idle again", async () => {
    const node = sqlNode(db);
    const controller = new AbortController();
    const running = failure(runNode(db, node, { sql: "SELECT pg_sleep(30) AS cancel_me" }, { signal: controller.signal }));
    const pid = await runningBackend(raw, "cancel_me");
    controller.abort();
    const err = await running;
    expect(err).toBeInstanceOf(AbortError);
    expect((err.cause as { code?: string }).code).toBe("57014");
    await eventually(async () => (await backendState(raw, pid)) === "idle", "the backend is idle");
    const adapter = db.adapter as PostgresAdapter;
    expect(adapter.poolStats()).toMatchObject({ waiting: 0 });
    expect(adapter.poolStats().idle).toBe(adapter.poolStats().total);
    // The same backend serves the next statement.
    const again = await runNode(db, node, { sql: "SELECT pg_backend_pid() AS pid" });
    expect(typeof again.rows[0].pid).toBe("number");
    expect(await activeBackends(raw, "cancel_me")).toEqual([]);
  });

  it("a List over a slow filter is cancelled when the run is aborted", async () => {
    const table = `slow_${suffix()}`;
    db.model("Slow", { label: field.string() }, { table });
    await runNode(db, "Slow_Create", { data: { label: "x" } });
    // The List is made slow by a lock another session holds on its table.
    const locker = await rawClient(url);
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
      const controller = new AbortController();
      const running = failure(runNode(db, "Slow_List", { filter: { label: { $regex: "^x" } } }, { signal: controller.signal }));
      await eventually(async () => {
        const { rows } = await raw.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", [
          `%FROM "${table}"%`,
        ]);
        return rows[0].n === 1;
      }, "the List waits");
      controller.abort();
      expect(await running).toBeInstanceOf(AbortError);
      await locker.query("ROLLBACK");
      await eventually(async () => {
        const { rows } = await raw.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state <> 'idle' AND query LIKE $1 AND pid <> pg_backend_pid()",
          [`%FROM "${table}"%`],
        );
        return rows[0].n === 0;
      }, "no backend runs the List");
      expect((await runNode(db, "Slow_List", {})).count).toBe(1);
    } finally {
      await locker.end();
    }
  });

  it("aborting a COPY BulkCreate cancels it and writes nothing", async () => {
    const table = `abort_bulk_${suffix()}`;
    db.model("Item", { label: field.string(), n: field.int() }, { table });
    await db.initialize();
    const locker = await rawClient(url);
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "${table}" IN ACCESS EXCLUSIVE MODE`);
      const controller = new AbortController();
      const data = Array.from({ length: 50_000 }, (_, i) => ({ label: `r${i}`, n: i }));
      const running = failure(runNode(db, "Item_BulkCreate", { data }, { signal: controller.signal }));
      await eventually(async () => {
        const { rows } = await raw.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'");
        return rows[0].n === 1;
      }, "the COPY waits");
      controller.abort();
      expect(await running).toBeInstanceOf(AbortError);
      await locker.query("ROLLBACK");
      const { rows } = await raw.query(`SELECT count(*)::int AS n FROM "${table}"`);
      expect(rows[0].n).toBe(0);
      expect((await runNode(db, "Item_BulkCreate", { data: data.slice(0, 10) })).result.inserted).toBe(10);
    } finally {
      await locker.end();
    }
  });

  it("aborting while waiting for a pooled connection fails at once and leaks nothing", async () => {
    const node = sqlNode(db);
    const hold = [runNode(db, node, { sql: "SELECT pg_sleep(0.5) AS holder" }), runNode(db, node, { sql: "SELECT pg_sleep(0.5) AS holder" })];
    await eventually(async () => (await activeBackends(raw, "holder")).length === 2, "both connections are busy");
    const controller = new AbortController();
    const waiting = failure(runNode(db, node, { sql: "SELECT 'never ran' AS waiter" }, { signal: controller.signal }));
    controller.abort();
    expect(await waiting).toBeInstanceOf(AbortError);
    await Promise.all(hold);
    const adapter = db.adapter as PostgresAdapter;
    expect(adapter.poolStats()).toEqual({ total: 2, idle: 2, waiting: 0 });
    const { rows } = await raw.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%never ran%' AND pid <> pg_backend_pid()");
    expect(rows[0].n).toBe(0);
  });

  it("when one node fails, the run's abort cancels its sibling's statement", async () => {
    const node = sqlNode(db);
    const wf = new WorkflowBuilder({ dataflow: db })
      .addNode(node, "sleeper", { sql: "SELECT pg_sleep(30) AS sibling" })
      .addNode(node, "broken", { sql: "SELECT pg_sleep(0.2), 1 / 0" })
      .build();
    const err = await new LocalRuntime({ dataflow: db }).execute(wf).catch((e: unknown) => e);
    expect((err as { nodeId: string }).nodeId).toBe("broken");
    await eventually(async () => (await activeBackends(raw, "sibling")).length === 0, "the sibling's sleep is cancelled", 200);
  });
});
