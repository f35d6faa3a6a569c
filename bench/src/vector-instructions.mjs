// Instruction-count probe for VectorSearch on PostgreSQL + pgvector (plain JS, no tsx, so the loader
// does not dominate): runs `warm` then `count` searches (k=10, HNSW, 1,000 x 384 rows) of one
// contender. Run it twice under `valgrind --tool=callgrind` with different counts; the difference /
// count is the client's instructions per search (the server is another process, not counted).
//   node src/vector-instructions.mjs setup                      # once: creates and fills vdocs
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable \
//     src/vector-instructions.mjs node 300 0                     # and again with 300 200
// The database: DATAFLOW_TEST_PGVECTOR_URL (a database with the pgvector extension).
// Contenders: `raw` (the statement the node sends, through a bare pg.Client as a named statement,
// the query vector already in pgvector's binary form), `raw-vector` (the statement a search that
// selects the vector sends, its vectors decoded to number[], the number[] query encoded), `node`,
// `node-select` (select naming the fields but the vector), `node-vector` (select naming every field,
// the vector too).
import { tracingChannel } from "node:diagnostics_channel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { pgvector } from "@dataflow/vector-pgvector";
import pg from "pg";

const [contender = "node", warmArg = "300", countArg = "0"] = process.argv.slice(2);
const url = process.env.DATAFLOW_TEST_PGVECTOR_URL;
if (!url) throw new Error("Set DATAFLOW_TEST_PGVECTOR_URL to a database with the pgvector extension");
const ROWS = 1000;
const DIMS = 384;
const K = 10;

let seed = 42;
const next = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const vector = () => {
  const v = Array.from({ length: DIMS }, () => next() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => Math.fround(x / n));
};
const queries = Array.from({ length: 50 }, vector);

const db = new DataFlow({ url, plugins: [pgvector({ indexes: { VDoc: [{ field: "embedding", method: "hnsw" }] } })], pool: { max: 1 } });
db.model("VDoc", { id: field.int(), cluster: field.int(), body: field.text(), embedding: field.vector(DIMS) }, { table: "vdocs", timestamps: false });
const runtime = new LocalRuntime({ dataflow: db });
const wf = new WorkflowBuilder({ dataflow: db }).addNode("VDoc_VectorSearch", "n", { vector: [], k: K }).build();
const search = (params) => runtime.execute(wf, { parameters: { n: params } });
const ALL = ["id", "cluster", "body", "embedding"];

if (contender === "setup") {
  await db.initialize();
  const data = Array.from({ length: ROWS }, (_, i) => ({ id: i + 1, cluster: i % 10, body: `doc ${i}`, embedding: vector() }));
  const insert = new WorkflowBuilder({ dataflow: db }).addNode("VDoc_VectorInsert", "n", { data }).build();
  await runtime.execute(insert);
  await db.close();
  process.exit(0);
}

/** The statements the node sends for one search with `params`, from the query tracing channel. */
async function captured(params) {
  const seen = [];
  const ignore = () => {};
  const handlers = { start: (m) => seen.push(m.text), end: ignore, asyncStart: ignore, asyncEnd: ignore, error: ignore };
  const channel = tracingChannel("dataflow:query");
  channel.subscribe(handlers);
  await search(params);
  channel.unsubscribe(handlers);
  return seen;
}

function binary(v) {
  const bytes = Buffer.allocUnsafe(4 + 4 * v.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(0, v.length);
  view.setUint16(2, 0);
  for (let i = 0; i < v.length; i++) view.setFloat32(4 + 4 * i, v[i]);
  return bytes;
}

function decodeRows(rows, column) {
  for (const row of rows) {
    const bytes = row[column];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = new Array(view.getUint16(0));
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 + 4 * i);
    row[column] = out;
  }
  return rows;
}

let op;
let raw;
if (contender.startsWith("raw")) {
  await search({ vector: queries[0], k: K });
  const [text] = await captured({ vector: queries[0], k: K, ...(contender === "raw-vector" ? { select: ALL } : {}) });
  raw = new pg.Client({ connectionString: url, options: "-c hnsw.iterative_scan=strict_order" });
  await raw.connect();
  if (contender === "raw") {
    const qBinary = queries.map(binary);
    op = (i) => raw.query({ name: "s", text, values: [qBinary[i % queries.length], K] });
  } else {
    op = async (i) => decodeRows((await raw.query({ name: "s", text, values: [binary(queries[i % queries.length]), K] })).rows, "embedding");
  }
} else if (contender === "node") {
  op = (i) => search({ vector: queries[i % queries.length], k: K });
} else if (contender === "node-select") {
  op = (i) => search({ vector: queries[i % queries.length], k: K, select: ["id", "cluster", "body"] });
} else if (contender === "node-vector") {
  op = (i) => search({ vector: queries[i % queries.length], k: K, select: ALL });
} else throw new Error(`unknown contender ${contender}`);

const total = Number(warmArg) + Number(countArg);
for (let i = 0; i < total; i++) await op(i);
await raw?.end();
await db.close();
