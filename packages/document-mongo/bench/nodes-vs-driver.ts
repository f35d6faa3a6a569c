// The document nodes against the raw driver on the same MongoDB, in interleaved rounds (each round
// runs every pair, alternating which goes first), reporting medians of per-round means and the ratio.
//   cd packages/document-mongo && pnpm build && node --import tsx bench/nodes-vs-driver.ts [rounds] [bulkRows]
// Uses DATAFLOW_TEST_MONGODB_URL / MONGODB_URL when set, else the in-process CongoServer emulator:
// emulator figures include the emulator's own CPU time in the same process, so they compare the
// two clients against one server, not MongoDB's speed.
import { DataFlow, LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import { provisionMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";

const ROUNDS = Number(process.argv[2] ?? 7);
const BULK_ROWS = Number(process.argv[3] ?? 100_000);
const OPS = 200;

const provisioned = await provisionMongoDatabase();
if (!provisioned.ok) throw new Error(provisioned.reason);
const server = provisioned.db;
const db = new DataFlow({ url: server.url });
await db.initialize();
const runtime = new LocalRuntime({ dataflow: db });
const raw = new MongoClient(server.url);
await raw.connect();
const coll = raw.db(server.databaseName).collection("bench");

// Required params get placeholders at build time; each run passes the real ones.
const node = (type: string, placeholders: Record<string, unknown> = {}) => {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", { collection: "bench", ...placeholders }).build();
  return (params: Record<string, unknown>) => runtime.execute(wf, { parameters: { n: params } });
};
const insertNode = node("DocumentInsert", { document: {} });
const findNode = node("DocumentFind");
const bulkNode = node("BulkDocumentInsert", { documents: [] });

const doc = (i: number) => ({ label: `row ${i}`, n: i, active: i % 2 === 0, at: new Date(1_700_000_000_000 + i) });
await coll.insertMany(Array.from({ length: 500 }, (_, i) => doc(i)));
const ids = (
  await coll
    .find({}, { projection: { _id: 1 } })
    .limit(500)
    .toArray()
).map((d) => d._id);
const idAt = (i: number) => ids[i % ids.length]!;

type Work = { label: string; raw: (i: number) => Promise<unknown>; dataflow: (i: number) => Promise<unknown>; ops: number };
const workloads: Work[] = [
  { label: "insert one", ops: OPS, raw: (i) => coll.insertOne(doc(i)), dataflow: (i) => insertNode({ document: doc(i) }) },
  {
    label: "find by _id",
    ops: OPS,
    raw: (i) => coll.findOne({ _id: idAt(i) }),
    dataflow: (i) => findNode({ filter: { _id: idAt(i) }, limit: 1 }),
  },
  {
    label: "find 50",
    ops: OPS / 4,
    raw: (i) =>
      coll
        .find({ n: { $gte: i % 400 } })
        .sort({ n: 1 })
        .limit(50)
        .toArray(),
    dataflow: (i) => findNode({ filter: { n: { $gte: i % 400 } }, sort: { n: 1 }, limit: 50 }),
  },
  {
    label: `bulk insert ${BULK_ROWS}`,
    ops: 1,
    raw: () =>
      coll.insertMany(
        Array.from({ length: BULK_ROWS }, (_, i) => doc(i)),
        { ordered: false },
      ),
    dataflow: () => bulkNode({ documents: Array.from({ length: BULK_ROWS }, (_, i) => doc(i)), ordered: false }),
  },
];

async function perOp(fn: (i: number) => Promise<unknown>, ops: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await fn(i);
  return Number(process.hrtime.bigint() - t0) / 1000 / ops;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const caps = (db.adapter as unknown as { capabilities: { emulator: boolean } }).capabilities;
console.log(`server: ${server.source === "env" ? "MongoDB from the environment" : "CongoServer emulator (in-process)"}${caps.emulator ? " [emulator]" : ""}`);
console.log("workload".padEnd(24), "raw µs/op".padStart(12), "DataFlow µs/op".padStart(16), "ratio".padStart(8));
for (const w of workloads) {
  await perOp(w.raw, Math.min(w.ops, 20));
  await perOp(w.dataflow, Math.min(w.ops, 20));
  const rawTimes: number[] = [];
  const dfTimes: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      rawTimes.push(await perOp(w.raw, w.ops));
      dfTimes.push(await perOp(w.dataflow, w.ops));
    } else {
      dfTimes.push(await perOp(w.dataflow, w.ops));
      rawTimes.push(await perOp(w.raw, w.ops));
    }
    if (w.ops === 1) await coll.deleteMany({ n: { $gte: 0 }, label: { $regex: "^row" }, _id: { $nin: ids } });
  }
  const a = median(rawTimes);
  const b = median(dfTimes);
  console.log(w.label.padEnd(24), a.toFixed(1).padStart(12), b.toFixed(1).padStart(16), (b / a).toFixed(2).padStart(8));
}

await db.close();
await raw.close();
await server.dispose();
