/**
 * Where a DataFlow PostgreSQL node spends its time over raw `pg`: the same operation timed at every
 * layer, from a named prepared statement on a pg.Pool up to `runtime.execute`, interleaved, best of
 * 15 rounds. A throwaway server from @dataflow/testing (not durable: fsync noise would hide
 * microseconds), on one CPU with this process as in `pnpm bench`; pool size 1 everywhere.
 *   node --expose-gc --import tsx src/overhead-postgres.ts [create|read|list]
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Model, NodeDefinition } from "@dataflow/kernel";
import { DataFlow } from "@dataflow/kernel";
import { normalizeOperation, resolveNode } from "@dataflow/kernel/plugin";
import { executeOperation } from "@dataflow/sql-core";
import postgresPlugin, { type PostgresAdapter } from "@dataflow/sql-postgres";
import { provisionDatabase } from "@dataflow/testing";
import { DataFlowNodes, captureSql } from "./dataflow-nodes.js";
import type { Layer } from "./layers.js";
import { measureLayers, nodeContext } from "./layers.js";
import { copyLines, shareOneCpu } from "./sections/server-common.js";
import type { WorkloadId } from "./workload-data.js";
import { CREATE_POOL, INSERT_COLUMNS, LIST_LIMIT, MODEL_NAMES, SEEDED_ROWS, TABLES, TENANTS, makeInputs, readIds } from "./workload-data.js";

const workload = (process.argv[2] ?? "read") as Exclude<WorkloadId, "bulk">;
if (!["create", "read", "list"].includes(workload)) throw new Error("workload: create, read or list");

const provisioned = await provisionDatabase("postgres", { ownServer: true });
if (!provisioned.ok) throw new Error(provisioned.reason);
const url = provisioned.db.url;
console.log(shareOneCpu(provisioned.db.server?.pid));
const db = new DataFlow({ url, plugins: [postgresPlugin], pool: { max: 1 } });
const adapter = db.adapter as unknown as PostgresAdapter;
const nodes = new DataFlowNodes(db);
const raw = new pg.Pool({ connectionString: url, max: 1 });
raw.on("error", () => {});

try {
  await nodes.createTable(workload);
  const model = db.models.get(MODEL_NAMES[workload]) as Model;
  const kind = workload === "create" ? "Create" : workload === "read" ? "Read" : "List";
  const def: NodeDefinition = resolveNode(model.nodes[kind], db).def;
  const ctx = nodeContext();
  const executor = adapter.executorFor(ctx);
  let layers: Layer[];
  if (workload === "create") {
    const pool = makeInputs(CREATE_POOL, 1);
    const create = nodes.create("create");
    const [text] = await captureSql(() => create(pool[0]!));
    const input = (i: number) => pool[i & (CREATE_POOL - 1)]!;
    const values = (i: number) => {
      const r = input(i);
      const now = new Date().toISOString();
      return [r.name, r.email, r.tenant, r.score, r.active, now, now];
    };
    const ops = Array.from({ length: CREATE_POOL }, (_, i) => normalizeOperation(model, "Create", { data: input(i) }));
    layers = [
      ["raw pool.query (named prepared)", (i) => raw.query({ name: "raw", text: text!, values: values(i) }), false],
      ["adapter.query (pool, statement names, type parsers)", (i) => adapter.query(text!, values(i)), false],
      ["adapter.executorFor(ctx).query (+ cancellation watch)", (i) => executor.query(text!, values(i)), false],
      ["executeOperation(pre-validated op): encode, SQL, decode", (i) => executeOperation(adapter, ops[i & (CREATE_POOL - 1)]!, ctx), false],
      [
        "  + normalizeOperation per call (kernel validation)",
        (i) => executeOperation(adapter, normalizeOperation(model, "Create", { data: input(i) }), ctx),
        false,
      ],
      ["node def.run(params, ctx) (+ middleware)", (i) => def.run({ data: input(i) }, ctx), false],
      ["runtime.execute(workflow, { parameters })", (i) => create(input(i)), false],
    ];
  } else {
    const client = await raw.connect();
    try {
      const copy = `COPY "${TABLES[workload]}" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(", ")}) FROM STDIN`;
      await pipeline(Readable.from(copyLines(makeInputs(SEEDED_ROWS, 2), new Date().toISOString(), 1000)), client.query(copyFrom(copy)));
    } finally {
      client.release();
    }
    await raw.query(`VACUUM ANALYZE "${TABLES[workload]}"`);
    const ids = readIds(SEEDED_ROWS);
    const mask = ids.length - 1;
    const read = workload === "read" ? nodes.read("read") : undefined;
    const list = workload === "list" ? nodes.list("list") : undefined;
    const [text] = await captureSql(() => (read ? read(ids[0]!) : list!(0)));
    const args = (i: number): unknown[] => (read ? [ids[i & mask]] : [i % TENANTS, LIST_LIMIT]);
    const params = (i: number): Record<string, unknown> =>
      read ? { id: ids[i & mask] } : { filter: { tenant: i % TENANTS }, orderBy: "-score", limit: LIST_LIMIT };
    const ops = Array.from({ length: read ? ids.length : TENANTS }, (_, i) => normalizeOperation(model, kind, params(i)));
    const opFor = (i: number) => ops[read ? i & mask : i % TENANTS]!;
    layers = [
      ["raw pool.query (named prepared)", (i) => raw.query({ name: "raw", text: text!, values: args(i) }), false],
      ["adapter.query (pool, statement names, type parsers)", (i) => adapter.query(text!, args(i)), false],
      ["adapter.executorFor(ctx).query (+ cancellation watch)", (i) => executor.query(text!, args(i)), false],
      ["executeOperation(pre-validated op): SQL, decode", (i) => executeOperation(adapter, opFor(i), ctx), false],
      ["  + normalizeOperation per call (kernel validation)", (i) => executeOperation(adapter, normalizeOperation(model, kind, params(i)), ctx), false],
      ["node def.run(params, ctx) (+ middleware)", (i) => def.run(params(i), ctx), false],
      ["runtime.execute(workflow, { parameters })", (i) => (read ? read(ids[i & mask]!) : list!(i % TENANTS)), false],
    ];
  }
  await measureLayers(`${workload} (PostgreSQL, pool 1, loopback)`, layers, workload === "create" ? 1_000 : 2_000);
} finally {
  await db.close();
  await raw.end();
  await provisioned.db.dispose();
}
