/**
 * Where VectorSearch's time goes over raw pg on PostgreSQL + pgvector: contenders run interleaved
 * batches against the same HNSW table, so machine load hits all alike; prints median wall and
 * client-CPU µs/op and the ratios to the first. Contenders: raw pg with the node's statement (no
 * vector column, as a search without select) and a binary query vector; raw pg with the statement
 * of a search selecting the vector, with the node's types (number[] query encoded, vectors decoded
 * to number[]); the same reading vectors as text (JSON query text); the node; the node selecting
 * the vector. ONLY=a,b picks contenders; PROFILE=<file> writes a CPU profile of the first one's loop.
 *   node --expose-gc --import tsx src/vector-overhead.ts [rows=20000] [rounds=30]
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { provisionPgvectorDatabase } from "@dataflow/testing";
import { pgvector } from "@dataflow/vector-pgvector";
import { captureSql } from "./dataflow-nodes.js";
import { binary, decodeRows, encodeQuery, makeData, text } from "./sections/vector.js";

const ROWS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 30);
const BATCH = 10;
const K = 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const provisioned = await provisionPgvectorDatabase({ ownServer: true });
if (!provisioned.ok) throw new Error(provisioned.reason);
const url = provisioned.db.url;
const data = makeData(ROWS);
const raw = new pg.Client({ connectionString: url, options: "-c hnsw.iterative_scan=strict_order" });
await raw.connect();
const db = new DataFlow({ url, plugins: [pgvector()], pool: { max: 1 } });
db.model(
  "VDoc",
  { id: field.int(), cluster: field.int(), body: field.text(), embedding: field.vector(data.queries[0]!.length) },
  { table: "vdocs", timestamps: false },
);
await db.initialize();
try {
  for (let from = 0; from < ROWS; from += 10_000) {
    const stream = raw.query(copyFrom('COPY vdocs ("id", "cluster", "body", "embedding") FROM STDIN'));
    const lines: string[] = [];
    for (let r = from; r < Math.min(ROWS, from + 10_000); r++) lines.push(`${r + 1}\t${data.clusters[r]}\t${data.bodies[r]}\t${text(data.vectors[r]!)}\n`);
    await pipeline(Readable.from([lines.join("")]), stream);
  }
  const runtime = new LocalRuntime({ dataflow: db });
  const params = { vector: [] as number[], k: K };
  const wf = new WorkflowBuilder({ dataflow: db }).addNode("VDoc_VectorSearch", "n", params).build();
  const run = async (p: Record<string, unknown>) => (await runtime.execute(wf, { parameters: { n: p } })).results.n;
  await run({ vector: Array.from(data.queries[0]!), k: K });
  await raw.query("SET maintenance_work_mem = '512MB'");
  await raw.query('CREATE INDEX ON vdocs USING hnsw ("embedding" vector_cosine_ops) WITH (m = 16, ef_construction = 64)');
  await raw.query("ANALYZE vdocs");

  // The statements the node sends: without select (no vector column), and selecting every field.
  const all = ["id", "cluster", "body", "embedding"];
  const [sql] = await captureSql(() => run({ vector: Array.from(data.queries[0]!), k: K }));
  const [vectorSql] = await captureSql(() => run({ vector: Array.from(data.queries[0]!), k: K, select: all }));
  const textSql = vectorSql!.replace('vector_send("embedding") AS "embedding"', '"embedding"');
  const qList = data.queries.map((q) => Array.from(q));
  const qBinary = data.queries.map(binary);
  const n = data.queries.length;
  const contenders: Record<string, (i: number) => Promise<unknown>> = {
    raw: (i) => raw.query({ name: "s", text: sql!, values: [qBinary[i % n], K] }),
    "raw number[]": async (i) => decodeRows((await raw.query({ name: "v", text: vectorSql!, values: [encodeQuery(qList[i % n]!), K] })).rows, "embedding"),
    "raw text vectors": (i) => raw.query({ name: "t", text: textSql, values: [JSON.stringify(qList[i % n]), K] }),
    node: (i) => run({ vector: qList[i % n], k: K }),
    "node vectors": (i) => run({ vector: qList[i % n], k: K, select: all }),
  };
  const names = process.env.ONLY ? process.env.ONLY.split(",") : Object.keys(contenders);
  const wall: Record<string, number[]> = Object.fromEntries(names.map((x) => [x, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((x) => [x, []]));
  let op = 0;
  for (let w = 0; w < 20; w++) for (const name of names) await contenders[name]!(op++);
  if (process.env.PROFILE) {
    // A CPU profile of the first contender's loop only: node --import tsx src/vector-overhead.ts ... with PROFILE=<file>
    const { Session } = await import("node:inspector/promises");
    const session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    for (let i = 0; i < ROUNDS * BATCH; i++) await contenders[names[0]!]!(op++);
    const { profile } = await session.post("Profiler.stop");
    (await import("node:fs")).writeFileSync(process.env.PROFILE, JSON.stringify(profile));
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(round + j) % names.length]!;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let b = 0; b < BATCH; b++) await contenders[name]!(op++);
      wall[name]!.push(Number(process.hrtime.bigint() - t0) / 1e3 / BATCH);
      const c = process.cpuUsage(c0);
      cpu[name]!.push((c.user + c.system) / BATCH);
    }
  }
  if (process.env.FILTER) {
    // A 1%-selective filter (one cluster) under HNSW: the node vs the HNSW-only statement (what the
    // node ran before it chose exact scans for selective indexed filters), without and with a btree.
    const [hnswOnly] = await captureSql(() => run({ vector: qList[0], k: K, select: ["id"] }));
    const filterSql = hnswOnly!.replace(" ORDER BY", ' AND "cluster" = $3 ORDER BY');
    for (const label of ["no index on cluster", "btree on cluster"]) {
      if (label.startsWith("btree")) {
        await raw.query('CREATE INDEX ON vdocs ("cluster")');
        await raw.query("ANALYZE vdocs");
      }
      const times: Record<string, number[]> = { node: [], "HNSW statement": [] };
      for (let round = 0; round < 3; round++) {
        for (const who of round % 2 ? ["HNSW statement", "node"] : ["node", "HNSW statement"]) {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < 10; i++) {
            const cluster = (i * 37) % 100;
            if (who === "node") await run({ vector: qList[i], k: K, select: ["id"], filter: { cluster } });
            else await raw.query({ text: filterSql, values: [qBinary[i], K, cluster] });
          }
          times[who]!.push(Number(process.hrtime.bigint() - t0) / 1e6 / 10);
        }
      }
      console.log(
        `filter 1%, ${label}: node ${median(times.node!).toFixed(1)} ms/query, HNSW-only statement ${median(times["HNSW statement"]!).toFixed(1)} ms/query`,
      );
    }
  }
  const base = median(wall[names[0]!]!);
  console.log(`rows ${ROWS}, ${ROUNDS} rounds x ${BATCH} ops, interleaved`);
  for (const name of names) {
    console.log(
      `${name.padEnd(16)} wall ${median(wall[name]!).toFixed(0).padStart(7)} µs  cpu ${median(cpu[name]!).toFixed(0).padStart(6)} µs  x${(median(wall[name]!) / base).toFixed(3)}`,
    );
  }
} finally {
  await db.close();
  await raw.end();
  await provisioned.db.dispose();
}
