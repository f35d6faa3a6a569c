import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { provisionPgvectorDatabase, seededRandom as random } from "@dataflow/testing";
import { pgvector } from "@dataflow/vector-pgvector";
import { vectorSqlite } from "@dataflow/vector-sqlite";
import { captureSql } from "../dataflow-nodes.js";
import { machine, packageVersion } from "../environment.js";
import type { LatencyContender, LatencyPlan } from "../measure.js";
import type { SectionResult, SkippedSection, WorkloadResult } from "../types.js";
import type { Budgets } from "../verdicts.js";
import type { RunOptions } from "./common.js";
import { latencyWorkload, planText, scaled, throughputWorkload, verify } from "./common.js";

/**
 * Vector search, side by side in one run: the DataFlow vector nodes vs the same SQL through the raw
 * driver, VectorInsert vs raw COPY (PostgreSQL) / a prepared INSERT loop (SQLite), HNSW recall@10
 * against exact search at three efSearch values with queries per second, hybrid search latency.
 * Data: clustered unit vectors (VECTOR_BENCH_ROWS, default 100,000 x 384), so recall is meaningful.
 */
const DIMS = Number(process.env.VECTOR_BENCH_DIMS ?? 384);
const ROWS = Number(process.env.VECTOR_BENCH_ROWS ?? 100_000);
const SQLITE_ROWS = Number(process.env.VECTOR_BENCH_SQLITE_ROWS ?? ROWS);
const CLUSTERS = 100;
const QUERIES = 100;
const K = 10;
const EF_VALUES = [40, 100, 200];
const INSERT_ROWS = 20_000;
const WORDS = ["apple", "river", "engine", "violet", "harbor", "quantum", "meadow", "copper", "lantern", "orbit", "saffron", "glacier"];

const SEARCH_BUDGETS: Budgets = {
  singleRowMaxDeltaUs: 20,
  singleRowMaxDeltaPct: 5,
  bulkBaseline: ["raw-copy"],
  bulkMinRatio: 0.8,
  noSlowerThanPeers: false,
  decimals: 1,
};
const SEARCH_PLAN: LatencyPlan = { warmupOps: 1000, rounds: 30, batch: 10, sampleRounds: 5, sampleBatch: 20 };
const SQLITE_PLAN: LatencyPlan = { warmupOps: 3, rounds: 5, batch: 4, sampleRounds: 2, sampleBatch: 4 };

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export interface Data {
  readonly vectors: Float32Array[];
  readonly clusters: number[];
  readonly bodies: string[];
  readonly queries: Float32Array[];
}

/** Clustered unit vectors: CLUSTERS centroids, each point = centroid + noise; queries drawn the same way. */
export function makeData(rows: number): Data {
  const next = random(42);
  const centroids = Array.from({ length: CLUSTERS }, () => unit(Float32Array.from({ length: DIMS }, () => gaussian(next))));
  const point = (c: number) => unit(Float32Array.from(centroids[c]!, (x) => x + 0.12 * gaussian(next)));
  const clusters = Array.from({ length: rows }, () => Math.floor(next() * CLUSTERS));
  const vectors = clusters.map(point);
  const bodies = clusters.map((c, i) => `${WORDS[c % WORDS.length]} ${WORDS[(c * 7 + i) % WORDS.length]} note ${i}`);
  const queries = Array.from({ length: QUERIES }, () => point(Math.floor(next() * CLUSTERS)));
  return { vectors, clusters, bodies, queries };
}

export const text = (v: Float32Array) => `[${Array.prototype.join.call(v, ",")}]`;
const list = (v: Float32Array) => Array.from(v);
/** pgvector's binary input form: int16 dimensions, int16 unused, big-endian float32 elements. */
export function binary(v: Float32Array): Buffer {
  const bytes = Buffer.alloc(4 + 4 * v.length);
  bytes.writeUInt16BE(v.length, 0);
  v.forEach((x, i) => bytes.writeFloatBE(x, 4 + 4 * i));
  return bytes;
}

/**
 * What a raw pg caller does to get the node's result types: the `number[]` query into pgvector's
 * binary form, and each row's `vector_send` bytes (big-endian int16 dims, int16 unused, float32
 * elements) back into `number[]`.
 */
export function encodeQuery(v: readonly number[]): Buffer {
  const bytes = Buffer.allocUnsafe(4 + 4 * v.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(0, v.length);
  view.setUint16(2, 0);
  for (let i = 0; i < v.length; i++) view.setFloat32(4 + 4 * i, v[i]!);
  return bytes;
}

export function decodeRows(rows: Array<Record<string, unknown>>, column: string): Array<Record<string, unknown>> {
  for (const row of rows) {
    const bytes = row[column] as Uint8Array;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Array<number>(view.getUint16(0));
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 + 4 * i);
    row[column] = out;
  }
  return rows;
}

/** Exact top-k by cosine distance in JS (the recall oracle). Vectors are unit length: distance = 1 - dot. */
function exactTopK(data: Data, q: Float32Array, rows: number, k: number): number[] {
  const best: Array<[number, number]> = [];
  for (let r = 0; r < rows; r++) {
    const v = data.vectors[r]!;
    let dot = 0;
    for (let i = 0; i < DIMS; i++) dot += v[i]! * q[i]!;
    const d = 1 - dot;
    if (best.length < k || d < best[best.length - 1]![0]) {
      best.push([d, r + 1]);
      best.sort((a, b) => a[0] - b[0]);
      if (best.length > k) best.pop();
    }
  }
  return best.map(([, id]) => id);
}

function recall(found: readonly number[][], truth: readonly number[][]): number {
  let hit = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = new Set(truth[i]);
    hit += found[i]!.filter((id) => t.has(id)).length;
  }
  return hit / (truth.length * K);
}

function docModel(db: DataFlow, table: string) {
  return db.model("VDoc", { id: field.int(), cluster: field.int(), body: field.text(), embedding: field.vector(DIMS) }, { table, timestamps: false });
}

function runner(db: DataFlow) {
  const runtime = new LocalRuntime({ dataflow: db });
  const workflows = new Map<string, ReturnType<WorkflowBuilder["build"]>>();
  return async (type: string, params: Record<string, unknown>): Promise<any> => {
    let wf = workflows.get(type);
    if (!wf) workflows.set(type, (wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build()));
    return (await runtime.execute(wf, { parameters: { n: params } })).results.n;
  };
}

const rowsOf = (data: Data, from: number, to: number) =>
  Array.from({ length: to - from }, (_, j) => {
    const r = from + j;
    return { id: r + 1, cluster: data.clusters[r]!, body: data.bodies[r]!, embedding: list(data.vectors[r]!) };
  });

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

async function pgSection(
  options: RunOptions,
  data: Data,
): Promise<{ workloads: WorkloadResult[]; notes: string[]; settings: Record<string, string | number> }> {
  const provisioned = await provisionPgvectorDatabase({ ownServer: true, durable: true });
  if (!provisioned.ok) throw new Error(provisioned.reason);
  const url = provisioned.db.url;
  const notes: string[] = [];
  const workloads: WorkloadResult[] = [];
  const raw = new pg.Client({ connectionString: url, options: "-c hnsw.iterative_scan=strict_order" });
  await raw.connect();
  const db = new DataFlow({ url, plugins: [pgvector({ fullText: { VDoc: ["body"] } })], pool: { max: 1 } });
  try {
    docModel(db, "vdocs");
    const run = runner(db);
    await db.initialize();
    const insertRows = rowsOf(data, 0, Math.min(INSERT_ROWS, ROWS));

    // VectorInsert vs raw COPY into a scratch table of the same shape.
    await raw.query("CREATE TABLE vload (LIKE vdocs INCLUDING ALL)");
    const dfLoad = new DataFlow({ url, plugins: [pgvector()], pool: { max: 1 }, namespace: "load" });
    docModel(dfLoad, "vload");
    await dfLoad.initialize();
    const runLoad = runner(dfLoad);
    workloads.push(
      await throughputWorkload(
        {
          id: "pgvector-insert",
          title: `PostgreSQL: insert ${DIMS}-dim rows`,
          contenders: [
            {
              role: "raw-copy",
              label: "pg COPY",
              run: async (rows) => {
                const stream = raw.query(copyFrom('COPY vload ("id", "cluster", "body", "embedding") FROM STDIN'));
                const lines = rows.map((r) => `${r.id}\t${r.cluster}\t${r.body}\t[${r.embedding.join(",")}]\n`);
                const batches: string[] = [];
                for (let i = 0; i < lines.length; i += 500) batches.push(lines.slice(i, i + 500).join(""));
                await pipeline(Readable.from(batches), stream);
              },
            },
            { role: "dataflow", label: "VectorInsert", run: async (rows) => void (await runLoad("load.VDoc_VectorInsert", { data: rows })) },
          ],
          unavailable: [],
          plan: {
            rows: insertRows,
            warmupRows: 500,
            rounds: 2,
            reset: async () => void (await raw.query("TRUNCATE vload")),
            count: async () => Number((await raw.query("SELECT count(*) AS n FROM vload")).rows[0].n),
          },
          budgets: SEARCH_BUDGETS,
          sql: { raw: "COPY vload (...) FROM STDIN", dataflow: "VectorInsert -> the PostgreSQL adapter's bulk path (COPY for large batches)" },
        },
        options,
      ),
    );
    await dfLoad.close();
    await raw.query("DROP TABLE vload");

    // The search table: every row, loaded with COPY, then the HNSW index.
    let start = process.hrtime.bigint();
    for (let from = 0; from < ROWS; from += 10_000) {
      const stream = raw.query(copyFrom('COPY vdocs ("id", "cluster", "body", "embedding") FROM STDIN'));
      const lines: string[] = [];
      for (let r = from; r < Math.min(ROWS, from + 10_000); r++) lines.push(`${r + 1}\t${data.clusters[r]}\t${data.bodies[r]}\t${text(data.vectors[r]!)}\n`);
      await pipeline(Readable.from([lines.join("")]), stream);
    }
    notes.push(`loaded ${ROWS} rows with COPY in ${seconds(start).toFixed(1)} s`);
    await raw.query("SET maintenance_work_mem = '1GB'");
    start = process.hrtime.bigint();
    const index = await run("VDoc_CreateVectorIndex", { method: "hnsw", distance: "cosine", m: 16, efConstruction: 64 });
    notes.push(`HNSW index (m=16, ef_construction=64) built by CreateVectorIndex in ${seconds(start).toFixed(1)} s (${index.result.name})`);
    await raw.query("ANALYZE vdocs");

    // Search k=10: the node vs the statement it sends (captured from its tracing channel) through
    // raw pg, which gets the query vector already in pgvector's binary form. Without `select` the
    // node returns no vectors (the statement has no vector column): the budget's workload. A search
    // that selects the vector is compared with "pg + number[]", which does what the node does on top
    // of that statement (number[] query in, vector_send bytes decoded to number[] out).
    const qList = data.queries.map(list);
    const qBinary = data.queries.map(binary);
    const [searchSql] = await captureSql(() => run("VDoc_VectorSearch", { vector: qList[0], k: K }));
    if (!searchSql || searchSql.includes('"embedding" AS') || searchSql.includes("vector_send"))
      throw new Error(`unexpected VectorSearch statement: ${searchSql}`);
    const withVector = ["id", "cluster", "body", "embedding"];
    const [vectorSql] = await captureSql(() => run("VDoc_VectorSearch", { vector: qList[0], k: K, select: withVector }));
    if (!vectorSql?.includes("vector_send")) throw new Error(`unexpected VectorSearch statement: ${vectorSql}`);
    const searchContenders: LatencyContender[] = [
      { role: "raw", label: "pg", sync: false, op: (i) => raw.query({ text: searchSql, values: [qBinary[i % QUERIES], K], name: "bench_search" }) },
      { role: "dataflow", label: "VectorSearch", sync: false, op: (i) => run("VDoc_VectorSearch", { vector: qList[i % QUERIES], k: K }) },
    ];
    const vectorContenders: LatencyContender[] = [
      {
        role: "raw",
        label: "pg + number[]",
        sync: false,
        op: async (i) =>
          decodeRows((await raw.query({ text: vectorSql, values: [encodeQuery(qList[i % QUERIES]!), K], name: "bench_search_vectors" })).rows, "embedding"),
      },
      {
        role: "dataflow",
        label: "VectorSearch",
        sync: false,
        op: (i) => run("VDoc_VectorSearch", { vector: qList[i % QUERIES], k: K, select: withVector }),
      },
    ];
    const rowsOfResult = (v: unknown) =>
      (Array.isArray(v) ? v : ((v as { rows?: unknown[] }).rows ?? (v as { result: unknown[] }).result)) as Array<Record<string, unknown>>;
    await verify(searchContenders, (v) => {
      const rows = rowsOfResult(v);
      if (rows.length !== K) return `expected ${K} rows, got ${rows.length}`;
      return "embedding" in rows[0]! ? "expected rows without the vector" : undefined;
    });
    await verify(vectorContenders, (v) => {
      const rows = rowsOfResult(v);
      return rows.length === K && Array.isArray(rows[0]!.embedding) ? undefined : `expected ${K} rows with number[] vectors`;
    });
    const plan = scaled(SEARCH_PLAN, options);
    workloads.push(
      await latencyWorkload({
        id: "pgvector-search",
        title: `PostgreSQL: VectorSearch k=${K}, HNSW, ${ROWS} x ${DIMS}`,
        contenders: searchContenders,
        unavailable: [],
        plan,
        budgets: SEARCH_BUDGETS,
        shape: "single-row",
        sql: { raw: searchSql, dataflow: searchSql },
        notes: [planText(plan)],
      }),
    );
    workloads.push(
      await latencyWorkload({
        id: "pgvector-search-vectors",
        title: `PostgreSQL: VectorSearch k=${K} selecting the vector, HNSW, ${ROWS} x ${DIMS}`,
        contenders: vectorContenders,
        unavailable: [],
        plan,
        budgets: SEARCH_BUDGETS,
        shape: "single-row",
        sql: { raw: `${vectorSql} (number[] query encoded, vectors decoded to number[])`, dataflow: vectorSql },
        notes: [planText(plan)],
      }),
    );

    // Recall@10 against the exact answer (JS brute force), and queries per second, at three efSearch values.
    start = process.hrtime.bigint();
    const truth = data.queries.map((q) => exactTopK(data, q, ROWS, K));
    notes.push(`exact top-${K} of ${QUERIES} queries by JS brute force: ${((seconds(start) / QUERIES) * 1000).toFixed(1)} ms/query`);
    const tuned = await captureSql(() => run("VDoc_VectorSearch", { vector: qList[0], k: K, select: ["id"], efSearch: EF_VALUES[1] }));
    notes.push(`a search with efSearch sends ${tuned.length} statement${tuned.length === 1 ? "" : "s"} (the setting applied inside the search statement)`);
    for (const ef of EF_VALUES) {
      const found: number[][] = [];
      start = process.hrtime.bigint();
      for (let i = 0; i < QUERIES; i++) {
        const out = await run("VDoc_VectorSearch", { vector: qList[i], k: K, select: ["id"], ...(ef === 40 ? {} : { efSearch: ef }) });
        found.push(out.result.map((r: { id: number }) => r.id));
      }
      const qps = QUERIES / seconds(start);
      notes.push(
        `HNSW efSearch=${ef}${ef === 40 ? " (default)" : ""}: recall@${K} ${recall(found, truth).toFixed(3)}, ${qps.toFixed(0)} queries/s (VectorSearch, select id)`,
      );
    }
    await raw.query("SET enable_indexscan = off");
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) await raw.query({ text: searchSql, values: [qBinary[i], K] });
    notes.push(`exact search (sequential scan, raw pg): ${((seconds(t0) / 10) * 1000).toFixed(1)} ms/query`);
    await raw.query("SET enable_indexscan = on");

    // A filter matching 1% of the rows (one cluster, mostly not the query's own) under the HNSW
    // index: still k rows. First with no other index (the iterative HNSW scan, then the exact
    // re-run when it ends short), then with a btree index on the filtered column.
    const filtered = async (label: string) => {
      // The plan of the statement whose rows the node returned (the last one it ran; an EXPLAIN
      // may come first when it checks whether an exact scan is cheap).
      const sent = await captureSql(() => run("VDoc_VectorSearch", { vector: qList[0], k: K, select: ["id"], filter: { cluster: 0 } }));
      const filterSql = sent.filter((t) => !t.startsWith("EXPLAIN")).at(-1)!;
      const plan = (await raw.query({ text: `EXPLAIN (FORMAT JSON) ${filterSql}`, values: [qBinary[0], 0, K] })).rows[0]["QUERY PLAN"][0].Plan;
      const kinds: string[] = [];
      for (let node = plan; node; node = node.Plans?.[0]) kinds.push(node["Index Name"] ? `${node["Node Type"]} on ${node["Index Name"]}` : node["Node Type"]);
      const statements: string[] = [];
      const started = process.hrtime.bigint();
      let short = 0;
      let mismatched = 0;
      const t = await captureSql(async () => {
        for (let i = 0; i < 20; i++) {
          const cluster = (i * 37) % CLUSTERS;
          const out = await run("VDoc_VectorSearch", { vector: qList[i], k: K, select: ["id"], filter: { cluster } });
          if (out.count < K) short++;
          if (out.result.some((r: { id: number }) => data.clusters[r.id - 1] !== cluster)) mismatched++;
        }
      });
      statements.push(...t);
      const ms = (seconds(started) / 20) * 1000;
      notes.push(
        `filter matching 1% (one cluster, another than the query's for most queries), ${label}: ${ms.toFixed(1)} ms/query, ` +
          `${20 - short}/20 queries returned ${K} rows, ${mismatched} with a row outside the filter, ${statements.length} statements for 20 queries (${statements.filter((t) => t.startsWith("EXPLAIN")).length} of them EXPLAIN); plan: ${kinds.join(" > ")}`,
      );
    };
    await filtered("HNSW iterative scan (strict_order), no index on cluster");
    start = process.hrtime.bigint();
    await raw.query('CREATE INDEX vdocs_cluster ON vdocs ("cluster")');
    await raw.query("ANALYZE vdocs");
    notes.push(`btree index on cluster built in ${seconds(start).toFixed(1)} s`);
    await filtered("btree index on cluster");

    // Hybrid search latency.
    start = process.hrtime.bigint();
    for (let i = 0; i < 20; i++)
      await run("VDoc_HybridSearch", { vector: qList[i], text: `${WORDS[i % WORDS.length]} ${WORDS[(i + 5) % WORDS.length]}`, k: K, select: ["id", "body"] });
    notes.push(`HybridSearch k=${K} (FTS ts_rank + HNSW, RRF, 40 candidates each): ${((seconds(start) / 20) * 1000).toFixed(1)} ms/query`);
    const version = (await raw.query("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).rows[0].extversion as string;
    const server = (await raw.query("SHOW server_version")).rows[0].server_version as string;
    return { workloads, notes, settings: { pgvector: version, postgres: server, rows: ROWS, dims: DIMS } };
  } finally {
    await db.close();
    await raw.end();
    await provisioned.db.dispose();
  }
}

async function sqliteSection(options: RunOptions, data: Data): Promise<{ workloads: WorkloadResult[]; notes: string[] }> {
  const notes: string[] = [];
  const workloads: WorkloadResult[] = [];
  const db = new DataFlow({ url: "sqlite::memory:", plugins: [vectorSqlite({ fullText: { VDoc: ["body"] } })] });
  try {
    docModel(db, "vdocs");
    const run = runner(db);
    await db.initialize();
    const handle = (db.adapter as unknown as { handle: Database.Database }).handle;
    const dfLoad = new DataFlow({ url: "sqlite::memory:", plugins: [vectorSqlite()], namespace: "load" });
    docModel(dfLoad, "vload");
    await dfLoad.initialize();
    const runLoad = runner(dfLoad);
    // The raw contender writes through the same connection, into the table DataFlow created.
    const rawDb = (dfLoad.adapter as unknown as { handle: Database.Database }).handle;
    const insert = rawDb.prepare('INSERT INTO vload ("id", "cluster", "body", "embedding") VALUES (?, ?, ?, ?)');
    const insertMany = rawDb.transaction((rows: Readonly<ReturnType<typeof rowsOf>>) => {
      for (const r of rows) insert.run(r.id, r.cluster, r.body, Buffer.from(Float32Array.from(r.embedding).buffer));
    });
    workloads.push(
      await throughputWorkload(
        {
          id: "sqlite-vec-insert",
          title: `SQLite: insert ${DIMS}-dim rows`,
          contenders: [
            { role: "raw", label: "better-sqlite3 prepared INSERT (1 tx)", run: (rows) => insertMany(rows) },
            { role: "dataflow", label: "VectorInsert", run: async (rows) => void (await runLoad("load.VDoc_VectorInsert", { data: rows })) },
          ],
          unavailable: [],
          plan: {
            rows: rowsOf(data, 0, Math.min(INSERT_ROWS, SQLITE_ROWS)),
            warmupRows: 500,
            rounds: 2,
            reset: async () => void rawDb.exec("DELETE FROM vload"),
            count: async () => Number((rawDb.prepare("SELECT count(*) AS n FROM vload").get() as { n: number }).n),
          },
          budgets: { ...SEARCH_BUDGETS, bulkBaseline: ["raw"] },
          sql: { raw: "INSERT INTO vload (...) VALUES (?, ?, ?, ?) x rows, one transaction", dataflow: "VectorInsert -> the SQLite adapter's bulk path" },
        },
        options,
      ),
    );
    await dfLoad.close();

    let start = process.hrtime.bigint();
    for (let from = 0; from < SQLITE_ROWS; from += 10_000) await run("VDoc_VectorInsert", { data: rowsOf(data, from, Math.min(SQLITE_ROWS, from + 10_000)) });
    notes.push(`loaded ${SQLITE_ROWS} rows with VectorInsert in ${seconds(start).toFixed(1)} s (float32 BLOB vectors, FTS5 triggers on body)`);

    const qList = data.queries.map(list);
    const [searchSql] = await captureSql(() => run("VDoc_VectorSearch", { vector: qList[0], k: K }));
    if (!searchSql?.includes("vec_distance_cosine")) throw new Error(`unexpected VectorSearch statement: ${searchSql}`);
    const stmt = handle.prepare(searchSql);
    const qBlob = data.queries.map((q) => Buffer.from(Float32Array.from(q).buffer));
    const contenders: LatencyContender[] = [
      { role: "raw", label: "better-sqlite3", sync: true, op: (i) => stmt.all(qBlob[i % QUERIES], K) },
      { role: "dataflow", label: "VectorSearch", sync: false, op: (i) => run("VDoc_VectorSearch", { vector: qList[i % QUERIES], k: K }) },
    ];
    await verify(contenders, (v) => {
      const rows = Array.isArray(v) ? v : (v as { result: unknown[] }).result;
      return rows.length === K ? undefined : `expected ${K} rows, got ${rows.length}`;
    });
    const plan = scaled(SQLITE_PLAN, options);
    workloads.push(
      await latencyWorkload({
        id: "sqlite-vec-search",
        title: `SQLite: VectorSearch k=${K}, exact scan, ${SQLITE_ROWS} x ${DIMS}`,
        contenders,
        unavailable: [],
        plan,
        budgets: SEARCH_BUDGETS,
        shape: "single-row",
        sql: { raw: searchSql, dataflow: searchSql },
        notes: [planText(plan)],
      }),
    );
    const truthRows = SQLITE_ROWS;
    const sample = 10;
    const truth = data.queries.slice(0, sample).map((q) => exactTopK(data, q, truthRows, K));
    const found: number[][] = [];
    start = process.hrtime.bigint();
    for (let i = 0; i < sample; i++)
      found.push((await run("VDoc_VectorSearch", { vector: qList[i], k: K, select: ["id"] })).result.map((r: { id: number }) => r.id));
    notes.push(`exact search: recall@${K} ${recall(found, truth).toFixed(3)} over ${sample} queries, ${(sample / seconds(start)).toFixed(1)} queries/s`);
    start = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) await run("VDoc_VectorSearch", { vector: qList[i], k: K, select: ["id"], filter: { cluster: i } });
    notes.push(`filter matching 1% (one cluster, no index on cluster): ${((seconds(start) / 5) * 1000).toFixed(1)} ms/query`);
    start = process.hrtime.bigint();
    for (let i = 0; i < 5; i++)
      await run("VDoc_HybridSearch", { vector: qList[i], text: `${WORDS[i % WORDS.length]} ${WORDS[(i + 5) % WORDS.length]}`, k: K, select: ["id", "body"] });
    notes.push(`HybridSearch k=${K} (FTS5 bm25 + exact vector scan, RRF): ${((seconds(start) / 5) * 1000).toFixed(1)} ms/query`);
    return { workloads, notes };
  } finally {
    await db.close();
  }
}

export async function runVector(options: RunOptions): Promise<SectionResult | SkippedSection> {
  const started = process.hrtime.bigint();
  const rows = options.quick ? Math.min(ROWS, 5000) : ROWS;
  const data = makeData(Math.max(rows, SQLITE_ROWS));
  console.log(`vector: ${data.vectors.length} x ${DIMS} clustered vectors generated`);
  const workloads: WorkloadResult[] = [];
  const notes: string[] = [
    `data: ${ROWS} x ${DIMS} unit vectors around ${CLUSTERS} centroids (noise 0.12/dim), ${QUERIES} queries from the same clusters; distance cosine`,
  ];
  let settings: Record<string, string | number> = {};
  try {
    const pgPart = await pgSection(options, data);
    workloads.push(...pgPart.workloads);
    notes.push(...pgPart.notes.map((n) => `PostgreSQL: ${n}`));
    settings = pgPart.settings;
  } catch (error) {
    console.error(error);
    notes.push(`PostgreSQL + pgvector not measured: ${(error as Error).message}`);
  }
  const sqlitePart = await sqliteSection(options, data);
  workloads.push(...sqlitePart.workloads);
  notes.push(...sqlitePart.notes.map((n) => `SQLite: ${n}`));
  for (const n of notes) console.log(`  ${n}`);
  return {
    section: "vector",
    title: "Vector search (pgvector and sqlite-vec)",
    generatedAt: new Date().toISOString(),
    durationSec: Number(process.hrtime.bigint() - started) / 1e9,
    decimals: 1,
    environment: { ...machine(), "@dataflow/vector-pgvector": packageVersion("@dataflow/vector-pgvector"), "sqlite-vec": packageVersion("sqlite-vec") },
    settings: { ...settings, sqliteRows: SQLITE_ROWS, k: K },
    workloads,
    notes,
  };
}
