// Instruction-count probe for PostgreSQL and MySQL (plain JS, no tsx): runs `warm` then `count`
// operations of one workload against the server at DATAFLOW_BENCH_URL (start one with
// `node --import tsx src/bench-server.ts postgres|mysql`). Run it twice under callgrind with
// different counts; the difference / count is the client's instructions per operation (the
// server's work is not counted, so the figure does not move with the machine's load).
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded --predictable src/instructions-server.mjs read 1000 0
// Workloads: create | read | list | bulk (1,000 rows per op) | concurrent (64 reads in flight, pool 10);
// `-signal` passes a never-aborted AbortSignal; `raw-<workload>` runs the statement DataFlow sends
// (captured from its query tracing channel) through a pg.Pool / mysql2 pool of the same size
// (named prepared statement on pg, text protocol on mysql2 as the adapter sends it).
import { tracingChannel } from "node:diagnostics_channel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";

const [workloadArg = "read", warmArg = "1000", countArg = "0"] = process.argv.slice(2);
const url = process.env.DATAFLOW_BENCH_URL;
if (!url) throw new Error("DATAFLOW_BENCH_URL is not set");
const kind = url.startsWith("postgres") ? "postgres" : "mysql";
const total = Number(warmArg) + Number(countArg);
const signalled = workloadArg.endsWith("-signal");
const workload = workloadArg.replace(/-signal$/, "");
const raw = workload.startsWith("raw-");
const name = raw ? workload.slice(4) : workload;
const concurrent = name === "concurrent";
const poolMax = concurrent ? 10 : 1;

const plugin = kind === "postgres" ? (await import("@dataflow/sql-postgres")).default : (await import("@dataflow/sql-mysql")).default;
const db = new DataFlow({ url, plugins: [plugin], pool: { max: poolMax } });
const suffix = process.env.DATAFLOW_BENCH_TABLE ?? "probe";
const User = db.model(
  "ProbeUser",
  { name: field.string({ maxLength: 100 }), email: field.string({ maxLength: 200 }), tenant: field.int(), score: field.int(), active: field.boolean() },
  { table: `probe_${suffix}`, indexes: [{ fields: ["tenant", "score", "id"] }] },
);
await db.ensureModel(User);
const runtime = new LocalRuntime({ dataflow: db });
const build = (node, params) => new WorkflowBuilder({ dataflow: db }).addNode(User.nodes[node], "node", params).build();
const create = build("Create", { data: {} });
const read = build("Read", { id: 1 });
const list = build("List", { filter: { tenant: 0 }, orderBy: "-score", limit: 50 });
const bulk = build("BulkCreate", { data: [] });
const row = (i) => ({ name: `u${i}`, email: `u${i}@example.com`, tenant: i % 10, score: i, active: i % 2 === 0 });
const seeded = await db.sql`SELECT COUNT(*) AS n FROM ${db.sql.id(User.table)}`.catch(() => [{ n: 0 }]);
if (Number(seeded[0]?.n ?? 0) < 500) {
  await runtime.execute(bulk, { parameters: { node: { data: Array.from({ length: 500 }, (_, i) => row(i)) } } });
}
const bulkRows = (i) => Array.from({ length: 1000 }, (_, k) => ({ ...row(k), name: `b${i}-${k}`, tenant: 1000 + (k % 10) }));
const signal = signalled ? new AbortController().signal : undefined;
const lanes = Array.from({ length: 64 }, () => (signalled ? new AbortController().signal : undefined));
const ops = {
  create: (i) => runtime.execute(create, { parameters: { node: { data: row(i) } }, signal }),
  read: (i) => runtime.execute(read, { parameters: { node: { id: (i % 500) + 1 } }, signal }),
  list: (i) => runtime.execute(list, { parameters: { node: { filter: { tenant: i % 10 } } }, signal }),
  bulk: (i) => runtime.execute(bulk, { parameters: { node: { data: bulkRows(i) } }, signal }),
  concurrent: (i, lane) => runtime.execute(read, { parameters: { node: { id: (i % 500) + 1 } }, signal: lanes[lane] }),
};

/** The first statement text DataFlow sends for one op of `which`. */
async function capturedText(which) {
  const seen = [];
  const channel = tracingChannel("dataflow:query");
  const handlers = { start: (m) => seen.push(m.text) };
  channel.subscribe(handlers);
  await ops[which](0, 0);
  channel.unsubscribe(handlers);
  return seen[0];
}

let op;
let rawEnd = async () => {};
if (raw) {
  const text = await capturedText(name === "concurrent" ? "read" : name);
  const now = () => new Date().toISOString();
  const params = {
    create: (i) => {
      const r = row(i);
      return [r.name, r.email, r.tenant, r.score, r.active, now(), now()];
    },
    read: (i) => [(i % 500) + 1],
    list: (i) => [i % 10, 50],
  };
  params.concurrent = params.read;
  if (kind === "postgres") {
    const pg = (await import("pg")).default;
    const pool = new pg.Pool({ connectionString: url, max: poolMax });
    rawEnd = () => pool.end();
    op = async (i) => pool.query({ name: `raw_${name}`, text, values: params[name](i) });
  } else {
    const mysql = (await import("mysql2")).default;
    const pool = mysql.createPool({ uri: url, connectionLimit: poolMax, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    rawEnd = () => new Promise((resolve) => pool.end(resolve));
    op = (i) => new Promise((resolve, reject) => pool.query(text, params[name](i), (e, r) => (e ? reject(e) : resolve(r))));
  }
} else op = ops[name];

if (concurrent) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async (_, lane) => {
      while (next < total) await op(next++, lane);
    }),
  );
} else for (let i = 0; i < total; i++) await op(i, 0);
await rawEnd();
await db.close();
