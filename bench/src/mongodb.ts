// Model nodes vs the raw driver on MongoDB: insert, find by id, list 50, bulk insert of 100,000.
// `node --import tsx src/mongodb.ts [--quick] [--rounds n] [--bulk n]`; the server is DATAFLOW_TEST_MONGODB_URL / MONGODB_URL,
// else the in-process CongoServer emulator (the results then say "emulator": they measure the emulator too).
import { writeFileSync } from "node:fs";
import mongodb from "@dataflow/document-mongo";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { provisionMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";

const quick = process.argv.includes("--quick");
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : Number(process.argv[i + 1]);
};
const ROUNDS = arg("--rounds") ?? (quick ? 20 : 300);
// 100,000 on a real server; the in-process emulator blocks its own event loop on a bulk that large (see the README).
const BULK = arg("--bulk") ?? (quick ? 2_000 : 100_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const provisioned = await provisionMongoDatabase();
if (!provisioned.ok) throw new Error(`no MongoDB: ${provisioned.reason}`);
const { url, databaseName, source } = provisioned.db;
const db = new DataFlow({ url, plugins: [mongodb] });
const shape = { id: field.string(), sku: field.string(), qty: field.int(), note: field.text().optional() };
db.model("Order", shape, { table: "orders" });
// The driver's collection is created by DataFlow too, so both have the same validator and indexes.
db.model("RawOrder", shape, { table: "raw_orders" });
await db.initialize();
const runtime = new LocalRuntime({ dataflow: db });
const node = (type: string, params: Record<string, unknown>) => runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build());
const raw = new MongoClient(url);
await raw.connect();
const rawOrders = raw.db(databaseName).collection("raw_orders");
const idField = (db.adapter as unknown as { layout: { idPath: string } }).layout.idPath;
const doc = (i: number, prefix: string) => ({
  [idField]: `${prefix}${i}`,
  sku: `S${i % 97}`,
  qty: i,
  note: null,
  created_at: new Date(),
  updated_at: new Date(),
});

const results: Record<string, { dataflowMs: number; rawMs: number }> = {};
// Interleaved: each round times DataFlow then the driver, so load changes hit both alike.
const pair = async (name: string, n: number, df: (i: number) => Promise<unknown>, drv: (i: number) => Promise<unknown>) => {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    a.push(await timeEach(1, () => df(i)));
    b.push(await timeEach(1, () => drv(i)));
  }
  results[name] = { dataflowMs: median(a), rawMs: median(b) };
};

await pair(
  "insert one",
  ROUNDS,
  (i) => node("Order_Create", { data: { id: `o${i}`, sku: "S1", qty: i } }),
  (i) => rawOrders.insertOne(doc(i, "o")),
);
await pair(
  "find by id",
  ROUNDS,
  (i) => node("Order_Read", { id: `o${i}` }),
  (i) => rawOrders.findOne({ [idField]: `o${i}` }),
);
await pair(
  "list 50",
  ROUNDS,
  () => node("Order_List", { orderBy: "id", limit: 50 }),
  () => rawOrders.find({}, { sort: { [idField]: 1 }, limit: 50 }).toArray(),
);
const bulkRows = Array.from({ length: BULK }, (_, i) => ({ id: `b${i}`, sku: `S${i % 97}`, qty: i }));
const t0 = performance.now();
await node("Order_BulkCreate", { data: bulkRows });
const dfBulk = performance.now() - t0;
const t1 = performance.now();
await rawOrders.insertMany(
  Array.from({ length: BULK }, (_, i) => doc(i, "b")),
  { ordered: false },
);
results[`bulk insert ${BULK}`] = { dataflowMs: dfBulk, rawMs: performance.now() - t1 };

await raw.close();
await db.close();
await provisioned.db.dispose();

const server = source === "emulator" ? "emulator (CongoServer, in-process; not a MongoDB server)" : "MongoDB server";
console.log(`MongoDB bench on ${server}; medians of ${ROUNDS} interleaved rounds (bulk: one run each)`);
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(22)} DataFlow ${r.dataflowMs.toFixed(2).padStart(9)} ms   driver ${r.rawMs.toFixed(2).padStart(9)} ms   ratio ${(r.dataflowMs / r.rawMs).toFixed(2)}`,
  );
}
if (!quick)
  writeFileSync(new URL("../results/mongodb.json", import.meta.url), `${JSON.stringify({ server, source, rounds: ROUNDS, bulk: BULK, results }, null, 2)}\n`);
