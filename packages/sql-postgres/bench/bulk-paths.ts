// Rows per second of the three BulkCreate paths for 100,000 rows, next to a raw pg COPY.
//   cd packages/sql-postgres && pnpm build && npx tsx bench/bulk-paths.ts [rows] [rounds]
// Uses a throwaway durable PostgreSQL server (fsync on), like the reference numbers in peers.md.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DataFlow as DataFlowType, Model } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import { normalizeOperation } from "@dataflow/kernel/plugin";
import type { BulkCreateOperation } from "@dataflow/kernel/plugin";
import { multiRowBulkWrite } from "@dataflow/sql-core";
import pg from "pg";
import copyStreams from "pg-copy-streams";
import { provisionDatabase } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";
import postgres, { copyField } from "../src/index.js";

const ROWS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);

function rows(n: number) {
  const at = new Date("2024-01-01T00:00:00Z");
  return Array.from({ length: n }, (_, i) => ({
    label: `row number ${i}`,
    note: i % 7 === 0 ? "tab\there" : "plain text",
    n: i,
    active: i % 2 === 0,
    at,
    meta: { i, tag: "x" },
  }));
}

function declare(db: DataFlowType, table: string): Model {
  return db.model(
    `Bench_${table}`,
    {
      label: field.string(),
      note: field.text(),
      n: field.int().index(),
      active: field.boolean(),
      at: field.datetime(),
      meta: field.json(),
    },
    { table, timestamps: false },
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const provisioned = await provisionDatabase("postgres", { ownServer: true, durable: true });
if (!provisioned.ok) {
  console.error(`no PostgreSQL: ${provisioned.reason}`);
  process.exit(1);
}
const url = provisioned.db.url;
const db = new DataFlow({ url, plugins: [postgres] });
const adapter = db.adapter as PostgresAdapter;
const runtime = new LocalRuntime({ dataflow: db });
const data = rows(ROWS);
let tableNo = 0;

const multiRow = defineNode<{ data: unknown[]; model: string }>({
  type: "Bench_MultiRow",
  params: { data: { type: "array", required: true }, model: { type: "string", required: true } },
  async run(params, ctx) {
    const model = db.models.get(params.model)!;
    return multiRowBulkWrite(adapter, ctx, normalizeOperation(model, "BulkCreate", { data: params.data }) as BulkCreateOperation);
  },
});

async function freshModel(): Promise<Model> {
  const model = declare(db, `bench_${++tableNo}`);
  await db.ensureModel(model);
  return model;
}

const paths: Record<string, (model: Model) => Promise<unknown>> = {
  "COPY (BulkCreate, onConflict error)": (model) =>
    runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(model.nodeType("BulkCreate"), "b", { data }).build()),
  "UNNEST (BulkCreate, onConflict skip, batch 10k)": (model) =>
    runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(model.nodeType("BulkCreate"), "b", { data, onConflict: "skip" }).build()),
  "multi-row VALUES (sql-core default, batch 1000)": (model) =>
    runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(multiRow, "b", { data, model: model.name }).build()),
  "raw pg COPY (no DataFlow)": async (model) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("BEGIN");
      const lines = function* () {
        let chunk = "";
        for (let i = 0; i < data.length; i++) {
          const r = data[i]!;
          chunk += `${copyField(r.label)}\t${copyField(r.note)}\t${r.n}\t${r.active ? "t" : "f"}\t${r.at.toISOString()}\t${copyField(JSON.stringify(r.meta))}\n`;
          if (i % 2000 === 1999) {
            yield chunk;
            chunk = "";
          }
        }
        if (chunk) yield chunk;
      };
      await pipeline(Readable.from(lines()), client.query(copyStreams.from(`COPY "${model.table}" (label, note, n, active, at, meta) FROM STDIN`)));
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
  },
};

const seconds: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(paths)) {
      const model = await freshModel();
      seconds[name]!.push(await timed(() => run(model)));
      const {
        rows: [check],
      } = await adapter.query(`SELECT count(*)::int AS n FROM "${model.table}"`, []);
      if (check!.n !== ROWS) throw new Error(`${name} wrote ${check!.n} rows`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rawRate = ROWS / median(seconds["raw pg COPY (no DataFlow)"]!);
  console.log(`${ROWS} rows x 6 columns (text, text, int8 indexed, bool, timestamptz, jsonb), ${ROUNDS} rounds, median:`);
  for (const [name, xs] of Object.entries(seconds)) {
    const rate = ROWS / median(xs);
    console.log(`  ${name.padEnd(50)} ${Math.round(rate).toLocaleString("en-US").padStart(9)} rows/s  (${((rate / rawRate) * 100).toFixed(0)}% of raw COPY)`);
  }
} finally {
  await db.close();
  await provisioned.db.dispose();
}
