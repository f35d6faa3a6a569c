// Prepared statements vs text protocol, node overhead over raw mysql2, and BulkCreate rows/s.
//   cd packages/sql-mysql && pnpm build && npx tsx bench/measure.ts [bulkRows] [rounds]
// Uses a throwaway durable MariaDB server of its own (fsync on).
import mysql2 from "mysql2";
import type { DataFlow as DataFlowType } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { provisionDatabase } from "@dataflow/testing";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { sqlLiteral } from "../src/literals.js";

const BULK_ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);

const provisioned = await provisionDatabase("mysql", { ownServer: true, durable: true });
if (!provisioned.ok) {
  console.error(`no MySQL/MariaDB: ${provisioned.reason}`);
  process.exit(1);
}
const url = provisioned.db.url;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Wall-clock and client CPU (user + system) per operation, in µs. CPU time is the steadier figure on a busy machine. */
async function perOp(n: number, work: (i: number) => Promise<unknown>): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await work(i);
  const used = process.cpuUsage(cpu);
  return [Number(process.hrtime.bigint() - start) / 1e3 / n, (used.user + used.system) / n];
}
async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function declare(db: DataFlowType, table: string) {
  return db.model(
    `P_${table}`,
    {
      name: field.string(),
      email: field.string().unique(),
      age: field.int().optional(),
      active: field.boolean(),
    },
    { table },
  );
}

// ---- raw driver, same options as the adapter
const rawPool = mysql2.createPool({
  uri: url,
  connectionLimit: 4,
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  jsonStrings: true,
  timezone: "Z",
  flags: ["-FOUND_ROWS"],
  trace: false,
  charset: "UTF8MB4_GENERAL_CI",
});
const raw = (prepared: boolean, sql: string, values: unknown[]) =>
  new Promise<unknown>((resolve, reject) => {
    const done = (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result));
    if (prepared) rawPool.execute(sql, values as mysql2.ExecuteValues[], done);
    else rawPool.query(sql, values, done);
  });

const results: Record<string, number[]> = {};
const record = (key: string, value: number | [number, number]) => {
  if (typeof value === "number") (results[key] ??= []).push(value);
  else {
    (results[`${key} (wall)`] ??= []).push(value[0]);
    (results[`${key} (client CPU)`] ??= []).push(value[1]);
  }
};

const flows: Array<{ prepared: boolean; db: DataFlowType; runtime: LocalRuntime; table: string }> = [];
for (const prepared of [true, false]) {
  const db = new DataFlow({ url: `${url}?preparedStatements=${prepared}`, plugins: [mysql], pool: { max: 4 } });
  const table = prepared ? "people_ps" : "people_text";
  declare(db, table);
  await db.initialize();
  flows.push({ prepared, db, runtime: new LocalRuntime({ dataflow: db }), table });
}
const node = (flow: (typeof flows)[number], type: string, params: Record<string, unknown>) =>
  flow.runtime.execute(new WorkflowBuilder({ dataflow: flow.db }).addNode(`P_${flow.table}_${type}`, "n", params).build());

const cols = "`id`, `name`, `email`, `age`, `active`, `created_at`, `updated_at`";
let serial = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const flow of flows) {
    const label = flow.prepared ? "prepared" : "text";
    const t = flow.table;
    const now = "2024-01-01 00:00:00.000";
    record(
      `raw ${label}: INSERT`,
      await perOp(1000, () =>
        raw(flow.prepared, `INSERT INTO \`${t}\` (\`name\`, \`email\`, \`age\`, \`active\`, \`created_at\`, \`updated_at\`) VALUES (?, ?, ?, ?, ?, ?)`, [
          "n",
          `raw${serial++}@x`,
          30,
          1,
          now,
          now,
        ]),
      ),
    );
    record(`node ${label}: Create`, await perOp(1000, () => node(flow, "Create", { data: { name: "n", email: `node${serial++}@x`, age: 30, active: true } })));
    record(
      `raw ${label}: SELECT by id`,
      await perOp(2000, (i) => raw(flow.prepared, `SELECT ${cols} FROM \`${t}\` WHERE \`id\` = ? LIMIT 2`, [1 + (i % 1000)])),
    );
    record(`node ${label}: Read`, await perOp(2000, (i) => node(flow, "Read", { id: 1 + (i % 1000) })));
    record(
      `raw ${label}: SELECT 50`,
      await perOp(500, (i) => raw(flow.prepared, `SELECT ${cols} FROM \`${t}\` WHERE \`age\` >= ? ORDER BY \`id\` ASC LIMIT ?`, [i % 10, 50])),
    );
    record(`node ${label}: List 50`, await perOp(500, (i) => node(flow, "List", { filter: { age: { $gte: i % 10 } }, limit: 50 })));
  }
}

// ---- bulk: raw multi-row INSERT vs BulkCreate
const bulkDb = new DataFlow({ url, plugins: [mysql] });
const events = (table: string) =>
  bulkDb.model(
    `E_${table}`,
    { kind: field.string({ maxLength: 32 }), n: field.int(), note: field.text(), at: field.datetime(), meta: field.json() },
    { table, timestamps: false },
  );
const at = new Date("2024-01-01T00:00:00Z");
const data = Array.from({ length: BULK_ROWS }, (_, n) => ({
  kind: `k${n % 7}`,
  n,
  note: `row number ${n} ${n % 3 === 0 ? "it's \\ quoted" : "plain"}`,
  at,
  meta: { n, tag: "x" },
}));
const bulkRuntime = new LocalRuntime({ dataflow: bulkDb });
const adapter = bulkDb.adapter as MysqlAdapter;
let tableNo = 0;
const connection = await new Promise<mysql2.PoolConnection>((resolve, reject) => rawPool.getConnection((e, c) => (e ? reject(e) : resolve(c))));
const q = (sql: string) => new Promise<void>((resolve, reject) => connection.query(sql, (e) => (e ? reject(e) : resolve())));
for (let round = 0; round < ROUNDS; round++) {
  for (const chunk of [1000, 5000, 13_107]) {
    const table = `raw_${chunk}_${tableNo++}`;
    events(table);
    await bulkDb.ensureModel(bulkDb.models.get(`E_${table}`)!);
    record(
      `raw multi-row INSERT (${chunk} rows/statement): rows/s`,
      BULK_ROWS /
        (await seconds(async () => {
          await q("START TRANSACTION");
          for (let i = 0; i < data.length; i += chunk) {
            const tuples = data
              .slice(i, i + chunk)
              .map((r) => `(${[r.kind, r.n, r.note, "2024-01-01 00:00:00.000", JSON.stringify(r.meta)].map(sqlLiteral).join(", ")})`);
            await q(`INSERT INTO \`${table}\` (\`kind\`, \`n\`, \`note\`, \`at\`, \`meta\`) VALUES ${tuples.join(", ")}`);
          }
          await q("COMMIT");
        })),
    );
  }
  const table = `df_${tableNo++}`;
  events(table);
  const wf = new WorkflowBuilder({ dataflow: bulkDb }).addNode(`E_${table}_BulkCreate`, "n", { data }).build();
  await bulkDb.ensureModel(bulkDb.models.get(`E_${table}`)!);
  record("DataFlow BulkCreate node: rows/s", BULK_ROWS / (await seconds(() => bulkRuntime.execute(wf))));
}
connection.release();

console.log(`server ${adapter.server.versionText}, max_allowed_packet ${adapter.server.maxAllowedPacket}, node ${process.version}, ${ROUNDS} rounds (median)`);
for (const [key, values] of Object.entries(results)) {
  const m = median(values);
  console.log(`${key.padEnd(62)} ${key.endsWith("rows/s") ? `${Math.round(m).toLocaleString("en-US")} rows/s` : `${m.toFixed(1)} µs/op`}`);
}

for (const flow of flows) await flow.db.close();
await bulkDb.close();
await new Promise<void>((resolve) => rawPool.end(() => resolve()));
await provisioned.db.dispose();
