/**
 * One streaming-memory measurement in a process of its own (spawned by sections/streaming.ts):
 * streams every row of `stream_rows` with the raw driver's streaming API or with `db.stream()`, and
 * prints JSON: rows read, seconds and peak RSS and heap growth from the baseline taken after setup to the end of the stream.
 *
 *   node --expose-gc --import tsx src/stream-memory-probe.ts <sqlite|postgres|mysql> <raw|dataflow> <url> <expected rows>
 */
import { DataFlow } from "@dataflow/kernel";
import { streamModel } from "./stream-model.js";

const [database, contender, url] = process.argv.slice(2) as ["sqlite" | "postgres" | "mysql", "raw" | "dataflow", string];
const SQL = "SELECT * FROM stream_rows ORDER BY id";
const MB = 1024 * 1024;

let startedAt = 0;
let baseRss = 0;
let baseHeap = 0;
let peakRss = 0;
let peakHeap = 0;
let rows = 0;
let checksum = 0;
/** Heap in use after a full GC, with the stream open, at 10% and at 100% of the rows: equal when nothing accumulates. */
const retained: number[] = [];
const expected = Number(process.argv[5] ?? 0);

function baseline(): void {
  global.gc?.();
  const m = process.memoryUsage();
  baseRss = peakRss = m.rss;
  baseHeap = peakHeap = m.heapUsed;
  startedAt = performance.now();
}

/** Counts a row and samples memory every 1,000 rows. */
function seen(qty: unknown): void {
  checksum += Number(qty);
  if (++rows % 1000 === 0) {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }
  if (expected > 0 && (rows === Math.floor(expected / 10) || rows === expected - 1)) {
    global.gc?.();
    retained.push((process.memoryUsage().heapUsed - baseHeap) / MB);
  }
}

async function raw(): Promise<void> {
  if (database === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(url.replace(/^sqlite:\/\//, ""));
    const statement = db.prepare(SQL);
    baseline();
    for (const row of statement.iterate() as Iterable<{ qty: number }>) seen(row.qty);
    db.close();
  } else if (database === "postgres") {
    const { default: pg } = await import("pg");
    const { default: Cursor } = (await import("pg-cursor")) as {
      default: new (text: string) => { read(n: number): Promise<Array<{ qty: number }>>; close(): Promise<void> };
    };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    baseline();
    const cursor = client.query(new Cursor(SQL) as never) as unknown as { read(n: number): Promise<Array<{ qty: number }>>; close(): Promise<void> };
    for (let batch = await cursor.read(1000); batch.length > 0; batch = await cursor.read(1000)) for (const row of batch) seen(row.qty);
    await cursor.close();
    await client.end();
  } else {
    const { default: mysql } = await import("mysql2");
    const connection = mysql.createConnection({ uri: url });
    baseline();
    for await (const row of connection.query(SQL).stream() as AsyncIterable<{ qty: number }>) seen(row.qty);
    await connection.promise().end();
  }
}

async function dataflow(): Promise<void> {
  const db = new DataFlow({ url, existingSchemaMode: true });
  const Row = streamModel(db);
  await db.initialize();
  baseline();
  for await (const row of db.stream(Row, { orderBy: "id" })) seen(row.qty);
  await db.close();
}

await (contender === "raw" ? raw() : dataflow());
const seconds = (performance.now() - startedAt) / 1000;
console.log(
  JSON.stringify({
    database,
    contender,
    rows,
    checksum,
    seconds,
    rssGrowthMB: (peakRss - baseRss) / MB,
    heapGrowthMB: (peakHeap - baseHeap) / MB,
    retainedMB: retained,
  }),
);
