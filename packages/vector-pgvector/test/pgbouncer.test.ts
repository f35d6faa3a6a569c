import { randomBytes } from "node:crypto";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { channels } from "@dataflow/kernel/plugin";
import { usePgbouncerDatabase } from "@dataflow/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { pgvector } from "../src/index.js";

const res = await usePgbouncerDatabase();

async function runNode(db: DataFlow, type: string, params: Record<string, unknown>): Promise<any> {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
  return (await new LocalRuntime({ dataflow: db }).execute(wf)).results.n;
}

describe.skipIf(!res.ok)(`@dataflow/vector-pgvector through PgBouncer in transaction pooling mode${res.ok ? "" : ` [${res.reason}]`}`, () => {
  const url = `${res.ok ? res.db.url : ""}?pgbouncer=transaction`;
  afterAll(() => (res.ok ? res.db.dispose() : undefined));

  it("searches without startup options: the scan mode and efSearch go into the statement and stay out of the server connections", async () => {
    const table = `bounce_${randomBytes(3).toString("hex")}`;
    const db = new DataFlow({ url, plugins: [pgvector({ indexes: { Doc: [{ field: "embedding", method: "hnsw", distance: "l2" }] } })], pool: { max: 2 } });
    try {
      db.model("Doc", { tag: field.string(), embedding: field.vector(4) }, { table });
      await db.initialize();
      const data = Array.from({ length: 300 }, (_, i) => ({ tag: i % 50 === 0 ? "rare" : "common", embedding: [i % 7, i % 11, i % 13, i / 300] }));
      await runNode(db, "Doc_VectorInsert", { data });
      const statements: string[] = [];
      const seen = { start: (m: { text: string }) => void statements.push(m.text), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
      channels.query.subscribe(seen);
      const found = await runNode(db, "Doc_VectorSearch", { vector: [1, 2, 3, 0.5], k: 5, distance: "l2", filter: { tag: "rare" }, efSearch: 64 }).finally(() =>
        channels.query.unsubscribe(seen),
      );
      expect(found.count).toBe(5);
      expect(found.result.every((r: { tag: string }) => r.tag === "rare")).toBe(true);
      const search = statements.filter((t) => !t.startsWith("EXPLAIN"));
      expect(search[0]).toContain("set_config('hnsw.iterative_scan'");
      expect(search[0]).toContain("set_config('hnsw.ef_search'");
      // Every server connection PgBouncer holds is back at the server defaults.
      const direct = new pg.Client({ connectionString: res.ok ? res.db.directUrl : "" });
      await direct.connect();
      try {
        const backends = await direct.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        expect(backends.rows[0].n).toBeGreaterThan(0);
      } finally {
        await direct.end();
      }
      const exec = (
        db.adapter as unknown as { poolExecutor(s: undefined): { query(t: string, p: unknown[]): Promise<{ rows: Array<Record<string, string>> }> } }
      ).poolExecutor(undefined);
      for (let i = 0; i < 4; i++) {
        const { rows } = await exec.query("SELECT current_setting('hnsw.ef_search') AS ef, current_setting('hnsw.iterative_scan') AS scan", []);
        expect(rows[0]).toEqual({ ef: "40", scan: "off" });
      }
    } finally {
      await db.close();
    }
  });
});
