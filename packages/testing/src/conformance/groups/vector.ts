import type { DataFlow } from "@dataflow/kernel";
import { LocalRuntime, TenantError, ValidationError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import type { Harness } from "../harness.js";
import type { VectorConformance } from "../types.js";
import { seededRandom as random } from "../../random.js";

type Row = Record<string, any>;
type Distance = "cosine" | "l2" | "ip";
const DISTANCES: readonly Distance[] = ["cosine", "l2", "ip"];
const DIMS = 8;
const TAGS = ["a", "b", "c", "d"];

/** Float32-exact components, so every database stores exactly these numbers. */
export function randomVector(next: () => number, dims = DIMS): number[] {
  return Array.from({ length: dims }, () => Math.fround(next() * 2 - 1));
}

/** The brute-force oracle: the same three distances in plain JS (smaller is nearer). */
export function distanceOf(kind: Distance, a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
    sq += (a[i]! - b[i]!) ** 2;
  }
  if (kind === "l2") return Math.sqrt(sq);
  if (kind === "ip") return -dot;
  return 1 - dot / Math.sqrt(na * nb);
}

function nearest(rows: readonly Row[], query: readonly number[], kind: Distance, k: number): Array<{ id: unknown; distance: number }> {
  return rows
    .map((r) => ({ id: r.id, distance: distanceOf(kind, r.embedding, query) }))
    .sort((x, y) => x.distance - y.distance)
    .slice(0, k);
}

const TOLERANCE = 1e-4;

/** Same neighbours in the same order, up to float32 rounding: ids may only swap between equal distances. */
function expectSameNeighbours(actual: readonly Row[], expected: ReadonlyArray<{ id: unknown; distance: number }>): void {
  expect(actual.map((r) => r.distance).length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i]!.distance - expected[i]!.distance)).toBeLessThan(TOLERANCE * Math.max(1, Math.abs(expected[i]!.distance)));
    const tied = expected.filter((e) => Math.abs(e.distance - expected[i]!.distance) < TOLERANCE);
    if (tied.length === 1) expect(actual[i]!.id).toEqual(expected[i]!.id);
    else expect(tied.map((e) => e.id)).toContain(actual[i]!.id);
  }
}

function docs(n: number, seed: number, tag?: (i: number) => string): Row[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `d${i}`,
    tag: tag ? tag(i) : TAGS[i % TAGS.length]!,
    rank: i,
    body: `document ${i} ${i % 7 === 0 ? "apple" : "pear"} ${i % 5 === 0 ? "banana" : "kiwi"}`,
    embedding: randomVector(next),
  }));
}

const docFields = () => ({
  id: field.string(),
  tag: field.string(),
  rank: field.int(),
  body: field.text(),
  embedding: field.vector(DIMS),
});

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error instanceof WorkflowExecutionError ? (error.cause as Error) : (error as Error);
  }
  throw new Error("expected the node to fail");
}

/**
 * The `vector` group: VectorSearch against a brute-force JS oracle for every distance, filters,
 * ANN indexes (a selective filter under HNSW still returns k rows), VectorInsert/VectorUpdate,
 * HybridSearch, tenancy (row strategy) and transactions, dimension and NaN errors.
 */
export function vectorTests(h: Harness, v: VectorConformance): void {
  describe("vector", () => {
    let counter = 0;
    const open = async (options: { tenancy?: boolean; indexes?: readonly Row[]; fullText?: boolean; tenant?: boolean } = {}) => {
      const table = `vec_${Date.now().toString(36)}_${++counter}`;
      const db: DataFlow = await v.createDataFlow({
        tenancy: options.tenancy ?? false,
        vector: {
          ...(options.indexes ? { indexes: { VecDoc: options.indexes } } : {}),
          ...(options.fullText ? { fullText: { VecDoc: ["body"] } } : {}),
        },
      });
      db.model("VecDoc", docFields(), { table, ...(options.tenant ? { tenant: true } : {}) });
      const runtime = new LocalRuntime({ dataflow: db });
      const run = async (type: string, params: Row, tenantId?: string): Promise<any> => {
        const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
        return (await runtime.execute(wf, tenantId === undefined ? {} : { tenantId })).results.n;
      };
      return { db, table, run };
    };
    const test = (title: string, body: () => Promise<void>, unsupported?: string) => {
      const reason = unsupported ?? (h.options.skip ?? []).find((s) => s.test === title)?.reason;
      if (reason) it.skip(`${title} [skipped: ${reason}]`, () => {});
      else it(title, body);
    };

    test("vector: VectorSearch order matches a brute-force oracle for cosine, l2 and ip", async () => {
      const { db, run } = await open();
      try {
        const rows = docs(300, 1);
        expect((await run("VecDoc_VectorInsert", { data: rows })).result.inserted).toBe(300);
        const next = random(99);
        for (const distance of DISTANCES) {
          for (let q = 0; q < 3; q++) {
            const query = randomVector(next);
            const out = await run("VecDoc_VectorSearch", { vector: query, k: 12, distance });
            expect(out.count).toBe(12);
            expectSameNeighbours(out.result, nearest(rows, query, distance, 12));
          }
        }
      } finally {
        await db.close();
      }
    });

    test("vector: rows come back with distance and without vectors unless select names them (then as number[])", async () => {
      const { db, run } = await open({ fullText: v.hybrid });
      try {
        const rows = docs(20, 2);
        await run("VecDoc_VectorInsert", { data: rows });
        const out = await run("VecDoc_VectorSearch", { vector: rows[3]!.embedding, k: 1, distance: "l2" });
        expect(out.result[0].id).toBe("d3");
        expect(out.result[0].distance).toBeCloseTo(0, 5);
        expect(Object.keys(out.result[0]).sort()).toEqual(["body", "created_at", "distance", "id", "rank", "tag", "updated_at"]);
        const withVector = await run("VecDoc_VectorSearch", { vector: rows[3]!.embedding, k: 1, distance: "l2", select: ["id", "embedding"] });
        expect(withVector.result[0]).toEqual({ id: "d3", embedding: rows[3]!.embedding, distance: withVector.result[0].distance });
        const slim = await run("VecDoc_VectorSearch", { vector: rows[3]!.embedding, k: 2, select: ["id", "tag"] });
        expect(Object.keys(slim.result[0]).sort()).toEqual(["distance", "id", "tag"]);
        if (v.hybrid) {
          const hybrid = await run("VecDoc_HybridSearch", { vector: rows[3]!.embedding, text: "apple", k: 3 });
          expect(hybrid.count).toBe(3);
          for (const r of hybrid.result) expect(r).not.toHaveProperty("embedding");
          const hybridWithVector = await run("VecDoc_HybridSearch", { vector: rows[3]!.embedding, text: "apple", k: 3, select: ["id", "embedding"] });
          for (const r of hybridWithVector.result) expect(r.embedding).toEqual(rows.find((x) => x.id === r.id)!.embedding);
        }
        const viaAlias = await run("VecDocVectorSearchNode", { vector: rows[3]!.embedding, k: 1 });
        expect(viaAlias.result[0].id).toBe("d3");
      } finally {
        await db.close();
      }
    });

    test("vector: the filter (DataFlow's filter language) restricts the neighbours; maxDistance bounds them", async () => {
      const { db, run } = await open();
      try {
        const rows = docs(200, 3);
        await run("VecDoc_VectorInsert", { data: rows });
        const query = randomVector(random(5));
        const filter = { $or: [{ tag: "a" }, { rank: { $gte: 150, $lt: 160 } }], body: { $like: "%kiwi%" } };
        const match = rows.filter((r) => (r.tag === "a" || (r.rank >= 150 && r.rank < 160)) && r.body.includes("kiwi"));
        for (const distance of DISTANCES) {
          const out = await run("VecDoc_VectorSearch", { vector: query, k: 10, distance, filter });
          expectSameNeighbours(out.result, nearest(match, query, distance, 10));
        }
        const all = nearest(rows, query, "l2", 200);
        const bound = (all[4]!.distance + all[5]!.distance) / 2;
        const near = await run("VecDoc_VectorSearch", { vector: query, k: 50, distance: "l2", maxDistance: bound });
        expect(near.result.map((r: Row) => r.id)).toEqual(all.slice(0, 5).map((r) => r.id));
        const bad = await failure(run("VecDoc_VectorSearch", { vector: query, filter: { nope: 1 } }));
        expect(bad).toBeInstanceOf(ValidationError);
      } finally {
        await db.close();
      }
    });

    test(
      "vector: a filter matching 1% of rows under an HNSW index still returns k rows",
      async () => {
        const { db, run } = await open({ indexes: [{ field: "embedding", method: "hnsw", distance: "cosine", m: 8, efConstruction: 32 }] });
        try {
          const rows = docs(3000, 7, (i) => (i % 100 === 0 ? "rare" : TAGS[i % TAGS.length]!));
          await run("VecDoc_VectorInsert", { data: rows });
          const query = randomVector(random(11));
          const out = await run("VecDoc_VectorSearch", { vector: query, k: 10, distance: "cosine", filter: { tag: "rare" } });
          expect(out.count).toBe(10);
          expect(out.result.every((r: Row) => r.tag === "rare")).toBe(true);
          expectSameNeighbours(
            out.result,
            nearest(
              rows.filter((r) => r.tag === "rare"),
              query,
              "cosine",
              10,
            ),
          );
          const tuned = await run("VecDoc_VectorSearch", { vector: query, k: 10, filter: { tag: "rare" }, efSearch: 100 });
          expect(tuned.count).toBe(10);
        } finally {
          await db.close();
        }
      },
      v.indexMethods.includes("hnsw") ? undefined : "capability hnsw: false (the database has no HNSW index; CreateVectorIndex refuses it, tested below)",
    );

    test("vector: CreateVectorIndex builds the index kinds the database has and refuses the others with a typed error", async () => {
      const { db, run } = await open();
      try {
        await run("VecDoc_VectorInsert", { data: docs(50, 4) });
        for (const method of ["hnsw", "ivfflat"] as const) {
          const params = method === "hnsw" ? { method, distance: "l2", m: 8 } : { method, distance: "ip", lists: 4 };
          if (v.indexMethods.includes(method)) {
            const first = await run("VecDoc_CreateVectorIndex", params);
            expect(first.result.created).toBe(true);
            const again = await run("VecDoc_CreateVectorIndex", params);
            expect(again.result).toEqual({ name: first.result.name, created: false });
          } else {
            const error = await failure(run("VecDoc_CreateVectorIndex", params));
            expect(error.name).toBe("VectorCapabilityError");
            expect(error.message).toContain(method);
          }
        }
        const bad = await failure(run("VecDoc_CreateVectorIndex", { method: "hnsw", lists: 3 }));
        expect(bad).toBeInstanceOf(ValidationError);
        expect((bad as ValidationError).field).toBe("params.lists");
        const query = randomVector(random(8));
        const out = await run("VecDoc_VectorSearch", { vector: query, k: 5, distance: "ip" });
        expect(out.count).toBe(5);
      } finally {
        await db.close();
      }
    });

    test("vector: VectorUpdate sets embeddings by id and by filter", async () => {
      const { db, run, table } = await open();
      try {
        await run("VecDoc_VectorInsert", { data: docs(40, 6) });
        const target = Array.from({ length: DIMS }, (_, i) => (i === 0 ? 1 : 0));
        expect((await run("VecDoc_VectorUpdate", { id: "d7", vector: target })).result.updated).toBe(1);
        const one = await run("VecDoc_VectorSearch", { vector: target, k: 1, distance: "l2", select: ["id", "embedding"] });
        expect(one.result[0]).toMatchObject({ id: "d7", embedding: target });
        const other = Array.from({ length: DIMS }, (_, i) => (i === 1 ? -1 : 0));
        expect((await run("VecDoc_VectorUpdate", { filter: { tag: "b" }, vector: other })).result.updated).toBe(10);
        const many = await run("VecDoc_VectorSearch", { vector: other, k: 10, distance: "l2" });
        expect(many.result.every((r: Row) => r.tag === "b" && r.distance < 1e-6)).toBe(true);
        const missing = await failure(run("VecDoc_VectorUpdate", { id: "nope", vector: target }));
        expect(missing.name).toBe("NotFoundError");
        expect(await h.oracle.count(table)).toBe(40);
      } finally {
        await db.close();
      }
    });

    test("vector: wrong dimensions and NaN are ValidationErrors naming the field, and write nothing", async () => {
      const { db, run, table } = await open();
      try {
        const rows = docs(5, 9);
        const short = await failure(run("VecDoc_VectorInsert", { data: [rows[0], { ...rows[1], embedding: [1, 2, 3] }] }));
        expect(short).toBeInstanceOf(ValidationError);
        expect((short as ValidationError).field).toBe("data[1].embedding");
        const nan = await failure(
          run("VecDoc_VectorInsert", { data: [{ ...rows[0], embedding: rows[0]!.embedding.map((x: number, i: number) => (i === 2 ? Number.NaN : x)) }] }),
        );
        expect(nan).toBeInstanceOf(ValidationError);
        expect((nan as ValidationError).field).toBe("data[0].embedding[2]");
        expect(await h.oracle.count(table)).toBe(0);
        await run("VecDoc_VectorInsert", { data: rows });
        const query = await failure(run("VecDoc_VectorSearch", { vector: [1, 2], k: 3 }));
        expect((query as ValidationError).field).toBe("vector");
        const inf = await failure(run("VecDoc_VectorSearch", { vector: rows[0]!.embedding.map(() => Number.POSITIVE_INFINITY) }));
        expect((inf as ValidationError).field).toBe("vector[0]");
        const update = await failure(run("VecDoc_VectorUpdate", { id: "d1", vector: [Number.NaN] }));
        expect(update).toBeInstanceOf(ValidationError);
        const k = await failure(run("VecDoc_VectorSearch", { vector: rows[0]!.embedding, k: 0 }));
        expect((k as ValidationError).field).toBe("k");
        const distance = await failure(run("VecDoc_VectorSearch", { vector: rows[0]!.embedding, distance: "manhattan" }));
        expect((distance as ValidationError).field).toBe("distance");
        const stored = await h.oracle.rows(table);
        expect(stored.length).toBe(5);
      } finally {
        await db.close();
      }
    });

    test("vector: HybridSearch fuses full-text and vector ranks by reciprocal rank fusion, with both scores", async () => {
      if (!v.hybrid) {
        const { db, run } = await open();
        try {
          await run("VecDoc_VectorInsert", { data: docs(5, 10) });
          const error = await failure(run("VecDoc_HybridSearch", { vector: docs(1, 10)[0]!.embedding, text: "apple" }));
          expect(error.name).toBe("VectorCapabilityError");
        } finally {
          await db.close();
        }
        return;
      }
      const { db, run } = await open({ fullText: true });
      try {
        const rows = docs(60, 12);
        await run("VecDoc_VectorInsert", { data: rows });
        const query = randomVector(random(13));
        const vectorOrder = nearest(rows, query, "cosine", 60);
        const out = await run("VecDoc_HybridSearch", { vector: query, text: "apple", k: 10 });
        expect(out.count).toBe(10);
        for (const r of out.result) {
          expect(typeof r.score).toBe("number");
          expect(r).toHaveProperty("distance");
          expect(r).toHaveProperty("textScore");
          if (r.textScore !== null) expect(r.body).toContain("apple");
        }
        const scores = out.result.map((r: Row) => r.score);
        expect([...scores].sort((a, b) => b - a)).toEqual(scores);
        // The fused score is the RRF of the two ranks the output reports.
        for (const r of out.result) {
          const expected = (r.vectorRank ? 1 / (60 + r.vectorRank) : 0) + (r.textRank ? 1 / (60 + r.textRank) : 0);
          expect(r.score).toBeCloseTo(expected, 10);
        }
        // Weights: text only puts the apple documents first; vector only follows the oracle's order.
        const textOnly = await run("VecDoc_HybridSearch", { vector: query, text: "apple", k: 5, weights: { vector: 0, text: 1 } });
        expect(textOnly.result.every((r: Row) => r.body.includes("apple"))).toBe(true);
        const vectorOnly = await run("VecDoc_HybridSearch", { vector: query, text: "apple", k: 5, weights: { vector: 1, text: 0 } });
        expect(vectorOnly.result.map((r: Row) => r.id)).toEqual(vectorOrder.slice(0, 5).map((r) => r.id));
        const filtered = await run("VecDoc_HybridSearch", { vector: query, text: "apple banana", k: 5, filter: { tag: "c" } });
        expect(filtered.result.every((r: Row) => r.tag === "c")).toBe(true);
        const alias = await run("VecDocHybridSearchNode", { vector: query, text: "apple", k: 1 });
        expect(alias.count).toBe(1);
      } finally {
        await db.close();
      }
    });

    test("vector: tenancy (row strategy) scopes every vector node: no cross-tenant neighbour", async () => {
      const { db, run, table } = await open({ tenancy: true, tenant: true, fullText: v.hybrid });
      try {
        const rows = docs(30, 14);
        await run("VecDoc_VectorInsert", { data: rows.slice(0, 15) }, "acme");
        await run("VecDoc_VectorInsert", { data: rows.slice(15).map((r) => ({ ...r, id: `other-${r.id}` })) }, "globex");
        const query = rows[20]!.embedding; // globex's row
        const out = await run("VecDoc_VectorSearch", { vector: query, k: 30, distance: "l2" }, "acme");
        expect(out.count).toBe(15);
        expect(out.result.every((r: Row) => r.tenant_id === "acme" && !String(r.id).startsWith("other-"))).toBe(true);
        expectSameNeighbours(out.result, nearest(rows.slice(0, 15), query, "l2", 15));
        if (v.hybrid) {
          const hybrid = await run("VecDoc_HybridSearch", { vector: query, text: "apple kiwi", k: 30 }, "acme");
          expect(hybrid.result.every((r: Row) => !String(r.id).startsWith("other-"))).toBe(true);
        }
        const updated = await run("VecDoc_VectorUpdate", { filter: {}, all: true, vector: query }, "acme");
        expect(updated.result.updated).toBe(15);
        const spoof = await failure(run("VecDoc_VectorInsert", { data: [{ ...rows[0], id: "x", tenant_id: "globex" }] }, "acme"));
        expect(spoof).toBeInstanceOf(TenantError);
        const unbound = await failure(run("VecDoc_VectorSearch", { vector: query, k: 3 }));
        expect(unbound).toBeInstanceOf(TenantError);
        const raw = await h.oracle.rows(table);
        const theirs = raw.filter((r) => r.tenant_id === "globex");
        expect(theirs.length).toBe(15);
        expect(theirs.every((r) => String(r.id).startsWith("other-"))).toBe(true);
      } finally {
        await db.close();
      }
    });

    test("vector: vector nodes join db.transaction(): rolled back inserts vanish, searches see uncommitted rows", async () => {
      const { db, run, table } = await open();
      try {
        await db.initialize();
        const rows = docs(10, 15);
        await expect(
          db.transaction(async () => {
            await run("VecDoc_VectorInsert", { data: rows });
            const inside = await run("VecDoc_VectorSearch", { vector: rows[4]!.embedding, k: 1, distance: "l2" });
            expect(inside.result[0].id).toBe("d4");
            throw new Error("roll back");
          }),
        ).rejects.toThrow("roll back");
        expect(await h.oracle.count(table)).toBe(0);
        await db.transaction(async () => {
          await run("VecDoc_VectorInsert", { data: rows });
          await run("VecDoc_VectorUpdate", { id: "d2", vector: rows[9]!.embedding });
        });
        expect(await h.oracle.count(table)).toBe(10);
        const out = await run("VecDoc_VectorSearch", { vector: rows[9]!.embedding, k: 2, distance: "l2" });
        expect(out.result.map((r: Row) => r.id).sort()).toEqual(["d2", "d9"]);
      } finally {
        await db.close();
      }
    });
  });
}
