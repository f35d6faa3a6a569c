import { randomBytes } from "node:crypto";
import { DataFlow, LocalRuntime, ValidationError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import { channels } from "@dataflow/kernel/plugin";
import { usePgvectorDatabase } from "@dataflow/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { VectorCapabilityError, halfvec, pgvector } from "../src/index.js";

const res = await usePgvectorDatabase();

async function raw<T = Record<string, any>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function vectors(n: number, dims: number, seed = 1): number[][] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => Math.fround(next())));
}

async function runNode(db: DataFlow, type: string, params: Record<string, unknown>): Promise<any> {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
  return (await new LocalRuntime({ dataflow: db }).execute(wf)).results.n;
}

if (res.ok) {
  const url = res.db.url;
  afterAll(() => res.db.dispose());

  describe("@dataflow/vector-pgvector on PostgreSQL + pgvector", () => {
    it("creates declared HNSW/IVFFlat and full-text indexes by auto-migration, with their options", async () => {
      const table = `docs_${randomBytes(3).toString("hex")}`;
      const db = new DataFlow({
        url,
        plugins: [
          pgvector({
            indexes: {
              Doc: [
                { field: "embedding", method: "hnsw", distance: "cosine", m: 8, efConstruction: 32 },
                { field: "embedding", method: "ivfflat", distance: "l2", lists: 3 },
              ],
            },
            fullText: { Doc: ["body"] },
          }),
        ],
      });
      try {
        db.model("Doc", { body: field.text(), embedding: field.vector(4) }, { table });
        await db.initialize();
        const defs = (await raw<{ indexdef: string }>(url, "SELECT indexdef FROM pg_indexes WHERE tablename = $1", [table])).map((r) => r.indexdef);
        expect(defs.some((d) => /USING hnsw \(embedding vector_cosine_ops\) WITH \(m='?8'?, ef_construction='?32'?\)/.test(d))).toBe(true);
        expect(defs.some((d) => /USING ivfflat \(embedding( vector_l2_ops)?\) WITH \(lists='?3'?\)/.test(d))).toBe(true);
        expect(defs.some((d) => /USING gin \(to_tsvector\('simple'::regconfig/.test(d))).toBe(true);
      } finally {
        await db.close();
      }
    });

    it("VectorSearch under an HNSW index scans the index (pg_stat_user_indexes) and returns k rows", async () => {
      const table = `ann_${randomBytes(3).toString("hex")}`;
      const db = new DataFlow({
        url,
        plugins: [pgvector({ indexes: { Ann: [{ field: "embedding", method: "hnsw", distance: "l2", name: `${table}_hnsw` }] } })],
      });
      try {
        db.model("Ann", { tag: field.string(), embedding: field.vector(16) }, { table });
        const data = vectors(2000, 16).map((embedding, i) => ({ tag: i % 100 === 0 ? "rare" : "common", embedding }));
        expect((await runNode(db, "Ann_VectorInsert", { data })).result.inserted).toBe(2000);
        await raw(url, `ANALYZE "${table}"`);
        const scans = async () =>
          Number((await raw<{ n: string }>(url, "SELECT idx_scan AS n FROM pg_stat_user_indexes WHERE indexrelname = $1", [`${table}_hnsw`]))[0]?.n ?? 0);
        const before = await scans();
        const rare = await runNode(db, "Ann_VectorSearch", { vector: data[5]!.embedding, k: 10, distance: "l2", filter: { tag: "rare" }, efSearch: 10 });
        expect(rare.count).toBe(10);
        expect(rare.result.every((r: { tag: string }) => r.tag === "rare")).toBe(true);
        // With a btree index on the filtered column, a selective filter is answered exactly from it
        // (the plan is checked with EXPLAIN first) instead of walking the HNSW graph past rejected rows.
        await raw(url, `CREATE INDEX "${table}_tag" ON "${table}" (tag)`);
        await raw(url, `ANALYZE "${table}"`);
        const statements: string[] = [];
        const seen = { start: (m: { text: string }) => void statements.push(m.text), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
        channels.query.subscribe(seen);
        const viaBtree = await runNode(db, "Ann_VectorSearch", { vector: data[5]!.embedding, k: 10, distance: "l2", filter: { tag: "rare" } }).finally(() =>
          channels.query.unsubscribe(seen),
        );
        expect(statements.map((t) => (t.startsWith("EXPLAIN") ? "explain" : t.includes(" + 0 LIMIT") ? "exact" : "ann"))).toEqual(["explain", "exact"]);
        const oracle = data
          .map((r, i) => ({ i, d: Math.hypot(...r.embedding.map((x, j) => x - data[5]!.embedding[j]!)) }))
          .filter((r) => r.i % 100 === 0)
          .sort((a, b) => a.d - b.d)
          .slice(0, 10);
        expect(viaBtree.result.map((r: { distance: number }) => r.distance)).toEqual(oracle.map((r) => expect.closeTo(r.d, 4)));
        const out = await runNode(db, "Ann_VectorSearch", { vector: data[5]!.embedding, k: 10, distance: "l2" });
        expect(out.result[0].distance).toBeCloseTo(0, 5);
        expect(out.count).toBe(10);
        await db.close(); // a backend flushes its statistics when it exits
        let after = before;
        for (let i = 0; i < 100 && after === before; i++) {
          await new Promise((r) => setTimeout(r, 50));
          after = await scans();
        }
        expect(after).toBeGreaterThan(before);
      } finally {
        await db.close();
      }
    });

    it("efSearch and probes apply to their own search only: one statement, nothing left on the pooled connection", async () => {
      const table = `tune_${randomBytes(3).toString("hex")}`;
      const db = new DataFlow({ url, plugins: [pgvector()], pool: { max: 1 } });
      try {
        db.model("Tune", { embedding: field.vector(8) }, { table });
        const data = vectors(400, 8, 7).map((embedding) => ({ embedding }));
        await runNode(db, "Tune_VectorInsert", { data });
        await runNode(db, "Tune_CreateVectorIndex", { method: "ivfflat", distance: "l2", lists: 20 });
        await runNode(db, "Tune_CreateVectorIndex", { method: "hnsw", distance: "cosine" });
        await raw(url, `ANALYZE "${table}"`);
        const sent = async (params: Record<string, unknown>) => {
          const statements: string[] = [];
          const seen = { start: (m: { text: string }) => void statements.push(m.text), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
          channels.query.subscribe(seen);
          const out = await runNode(db, "Tune_VectorSearch", { vector: data[3]!.embedding, distance: "l2", ...params }).finally(() =>
            channels.query.unsubscribe(seen),
          );
          return {
            count: out.count as number,
            kinds: statements.map((t) =>
              !t.includes(" FROM ") ? "settings" : t.includes(" + 0 LIMIT") ? "exact" : t.includes("set_config") ? "tuned" : "ann",
            ),
          };
        };
        // One IVFFlat list (probes = 1, the default) holds about 20 of the 400 rows: fewer than k, so
        // the node re-runs the search exactly. With all 20 lists probed the index scan alone has k rows.
        expect(await sent({ k: 100 })).toEqual({ count: 100, kinds: ["ann", "exact"] });
        expect(await sent({ k: 100, probes: 20, efSearch: 77 })).toEqual({ count: 100, kinds: ["tuned"] });
        // The same (only) pooled connection afterwards: back to the defaults, for statements and searches alike.
        const exec = (
          db.adapter as unknown as { poolExecutor(s: undefined): { query(t: string, p: unknown[]): Promise<{ rows: Array<Record<string, string>> }> } }
        ).poolExecutor(undefined);
        const { rows } = await exec.query(
          "SELECT current_setting('ivfflat.probes') AS probes, current_setting('hnsw.ef_search') AS ef, pg_backend_pid() AS pid",
          [],
        );
        expect(rows[0]).toMatchObject({ probes: "1", ef: "40" });
        expect(await sent({ k: 100 })).toEqual({ count: 100, kinds: ["ann", "exact"] });
        const again = await exec.query("SELECT pg_backend_pid() AS pid", []);
        expect(again.rows[0]!.pid).toBe(rows[0]!.pid);
        // Inside a transaction the statement's settings would last until it ends: the values from before
        // are read first and put back after the search.
        const inside = await db.transaction(async () => {
          const tuned = await sent({ k: 100, probes: 20 });
          const plain = await sent({ k: 100 });
          return { tuned, plain };
        });
        expect(inside).toEqual({ tuned: { count: 100, kinds: ["settings", "tuned", "settings"] }, plain: { count: 100, kinds: ["ann", "exact"] } });
      } finally {
        await db.close();
      }
    });

    it("halfvec(n) fields store half-precision vectors and search like vector fields", async () => {
      const table = `half_${randomBytes(3).toString("hex")}`;
      const db = new DataFlow({ url, plugins: [pgvector()] });
      try {
        db.model("Half", { embedding: halfvec(3) }, { table });
        await runNode(db, "Half_VectorInsert", { data: [{ embedding: [1, 0, 0] }, { embedding: [0, 1, 0] }, { embedding: [0.5, 0.25, 0] }] });
        const types = await raw<{ t: string }>(
          url,
          "SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'",
          [table],
        );
        expect(types[0]!.t).toBe("halfvec(3)");
        const out = await runNode(db, "Half_VectorSearch", { vector: [0.9, 0.1, 0], k: 2, distance: "cosine", select: ["id", "embedding"] });
        expect(out.result.map((r: { embedding: number[] }) => r.embedding)).toEqual([
          [1, 0, 0],
          [0.5, 0.25, 0],
        ]);
        // Elements that float16 rounds (0.1, -1/3), a subnormal (1e-6): the search statements read
        // vectors in binary, List reads text; both give the same stored values.
        await runNode(db, "Half_VectorInsert", { data: [{ embedding: [0.1, -1 / 3, 1e-6] }] });
        const near = await runNode(db, "Half_VectorSearch", { vector: [0.1, -0.33, 0], k: 1, distance: "l2", select: ["id", "embedding"] });
        const listed = await runNode(db, "Half_List", { filter: { id: near.result[0].id } });
        expect(near.result[0].embedding).toEqual(listed.result[0].embedding);
        expect(near.result[0].embedding).toEqual([0.0999755859375, -0.333251953125, 1.0132789611816406e-6]);
        const index = await runNode(db, "Half_CreateVectorIndex", { method: "hnsw", distance: "l2" });
        expect(index.result.created).toBe(true);
      } finally {
        await db.close();
      }
    });

    it("a user who may not create the extension gets a VectorCapabilityError saying what to do", async () => {
      const suffix = randomBytes(3).toString("hex");
      const role = `df_novec_${suffix}`;
      const database = `df_novec_${suffix}`;
      await raw(url, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
      await raw(url, `CREATE DATABASE ${database} OWNER ${role}`);
      const target = new URL(url);
      target.username = role;
      target.password = "pw";
      target.pathname = `/${database}`;
      const db = new DataFlow({ url: target.toString(), plugins: [pgvector()] });
      try {
        db.model("Doc", { embedding: field.vector(2) });
        const error = await db.initialize().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error).toBeInstanceOf(VectorCapabilityError);
        expect(error!.message).toMatch(/CREATE EXTENSION vector/);
      } finally {
        await db.close();
        const admin = new URL(url);
        await raw(admin.toString(), `DROP DATABASE IF EXISTS ${database}`);
        await raw(admin.toString(), `DROP ROLE IF EXISTS ${role}`);
      }
    });

    it("bad plugin options and index declarations are ValidationErrors naming the option", async () => {
      expect(() => pgvector({ nope: 1 } as never)).toThrow(ValidationError);
      const db = new DataFlow({ url, plugins: [pgvector({ indexes: { Doc: [{ field: "body", method: "hnsw" }] } })] });
      try {
        let error: unknown;
        try {
          db.model("Doc", { body: field.text(), embedding: field.vector(2) });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("indexes.Doc[0].field");
        db.model("Other", { embedding: field.vector(2) });
        const wrong = await runNode(db, "Other_VectorSearch", { vector: [1, 0], efSearch: 0 }).catch((e: WorkflowExecutionError) => e.cause as ValidationError);
        expect(wrong).toBeInstanceOf(ValidationError);
        expect(wrong.field).toBe("efSearch");
      } finally {
        await db.close();
      }
    });
  });
} else {
  describe.skip(`@dataflow/vector-pgvector [${res.reason}]`, () => {
    it("needs PostgreSQL with pgvector", () => {});
  });
}
