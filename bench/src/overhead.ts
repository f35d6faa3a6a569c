/**
 * Where a DataFlow SQLite node spends its time over the raw driver: the same operation timed at
 * every layer, from the driver call up to `runtime.execute`, interleaved, best of 15 rounds
 * (the minimum is the least disturbed by other load on the machine). WAL checkpoints are taken between the
 * timed loops, so the numbers are CPU cost; `pnpm bench` measures with SQLite's default auto-checkpoint.
 *   node --expose-gc --import tsx src/overhead.ts [create|read|list] [--memory]
 * `--memory`: an in-memory database, so the engine's own cost and its noise shrink and the JS layers stand out.
 * The raw layers use the adapter's own connection (numbers instead of BigInt for the first layer).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Model, NodeDefinition } from "@dataflow/kernel";
import { DataFlow } from "@dataflow/kernel";
import { normalizeOperation, resolveNode } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { executeOperation } from "@dataflow/sql-core";
import sqlitePlugin, { type SqliteAdapter } from "@dataflow/sql-sqlite";
import { DataFlowNodes, captureSql } from "./dataflow-nodes.js";
import type { Layer } from "./layers.js";
import { measureLayers, nodeContext } from "./layers.js";
import { shareOneCpu } from "./sections/server-common.js";
import { CREATE_POOL, LIST_LIMIT, MODEL_NAMES, SEEDED_ROWS, TENANTS, makeInputs, readIds } from "./workload-data.js";
import type { WorkloadId } from "./workload-data.js";

const workload = (process.argv[2] ?? "read") as Exclude<WorkloadId, "bulk">;
if (!["create", "read", "list"].includes(workload)) throw new Error("workload: create, read or list");

const inMemory = process.argv.includes("--memory");
console.log(shareOneCpu(undefined));
const dir = mkdtempSync(join(tmpdir(), "dataflow-overhead-"));
const db = new DataFlow({ url: inMemory ? "sqlite::memory:" : `sqlite://${join(dir, "overhead.db")}`, plugins: [sqlitePlugin] });
const adapter = db.adapter as unknown as SqliteAdapter & DatabaseAdapter;
const nodes = new DataFlowNodes(db);

try {
  await nodes.createTable(workload);
  const model = db.models.get(MODEL_NAMES[workload]) as Model;
  const def: NodeDefinition = resolveNode(model.nodes[workload === "create" ? "Create" : workload === "read" ? "Read" : "List"], db).def;
  const ctx = nodeContext();
  const raw = adapter.handle;
  let layers: Layer[];
  if (workload === "create") {
    const pool = makeInputs(CREATE_POOL, 1);
    const create = nodes.create("create");
    const [text] = await captureSql(() => create(pool[0]!));
    const rawStmt = raw.prepare(text!).safeIntegers(false);
    const adapterStmt = raw.prepare(text!);
    const input = (i: number) => pool[i & (CREATE_POOL - 1)]!;
    const values = (i: number) => {
      const r = input(i);
      const now = new Date().toISOString();
      return [r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now];
    };
    layers = [
      ["raw stmt.all (numbers)", (i) => rawStmt.all(...values(i)), true],
      ["stmt.all (safe integers, as the adapter reads)", (i) => adapterStmt.all(...values(i)), true],
      ["adapter.exec (statement cache, result object)", (i) => adapter.exec(text!, values(i)), true],
      ["await adapter.query (executor lookup, async)", (i) => adapter.query(text!, values(i)), false],
      [
        "executeOperation(pre-validated op): encode, SQL, decode",
        (i) => executeOperation(adapter, normalizeOperation(model, "Create", { data: input(i) }), ctx),
        false,
      ],
      [
        "  + normalizeOperation per call (kernel validation)",
        (i) => executeOperation(adapter, normalizeOperation(model, "Create", { data: input(i) }), ctx),
        false,
      ],
      ["node def.run(params, ctx)", (i) => def.run({ data: input(i) }, ctx), false],
      ["runtime.execute(workflow, { parameters })", (i) => create(input(i)), false],
    ];
    // Layer 5 above re-validates per call on purpose; layer 4 gets a pre-validated op instead.
    const ops = Array.from({ length: CREATE_POOL }, (_, i) => normalizeOperation(model, "Create", { data: input(i) }));
    layers[4] = ["executeOperation(pre-validated op): encode, SQL, decode", (i) => executeOperation(adapter, ops[i & (CREATE_POOL - 1)]!, ctx), false];
  } else {
    // Seeded through the raw connection: a DataFlow transaction here would switch on AsyncLocalStorage's
    // promise hooks for the rest of the process, which the bench's read/list workloads do not pay either.
    const insert = raw.prepare(
      `INSERT INTO "${model.table}" ("name", "email", "tenant", "score", "active", "created_at", "updated_at") VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    raw.transaction(() => {
      for (const r of makeInputs(SEEDED_ROWS, 2)) insert.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
    })();
    raw.exec("ANALYZE");
    const ids = readIds(SEEDED_ROWS);
    const mask = ids.length - 1;
    const read = workload === "read" ? nodes.read("read") : undefined;
    const list = workload === "list" ? nodes.list("list") : undefined;
    const [text] = await captureSql(() => (read ? read(ids[0]!) : list!(0)));
    const rawStmt = raw.prepare(text!).safeIntegers(false);
    const adapterStmt = raw.prepare(text!);
    const args = (i: number): unknown[] => (read ? [ids[i & mask]] : [i % TENANTS, LIST_LIMIT]);
    const params = (i: number): Record<string, unknown> =>
      read ? { id: ids[i & mask] } : { filter: { tenant: i % TENANTS }, orderBy: "-score", limit: LIST_LIMIT };
    const kind = read ? "Read" : "List";
    const ops = Array.from({ length: read ? ids.length : TENANTS }, (_, i) => normalizeOperation(model, kind, params(i)));
    const opFor = (i: number) => ops[read ? i & mask : i % TENANTS]!;
    layers = [
      [read ? "raw stmt.get (numbers)" : "raw stmt.all (numbers)", (i) => (read ? rawStmt.get(...args(i)) : rawStmt.all(...args(i))), true],
      ["stmt.all (safe integers, as the adapter reads)", (i) => adapterStmt.all(...args(i)), true],
      ["adapter.exec (statement cache, result object)", (i) => adapter.exec(text!, args(i)), true],
      ["await adapter.query (executor lookup, async)", (i) => adapter.query(text!, args(i)), false],
      ["executeOperation(pre-validated op): SQL, decode", (i) => executeOperation(adapter, opFor(i), ctx), false],
      ["  + normalizeOperation per call (kernel validation)", (i) => executeOperation(adapter, normalizeOperation(model, kind, params(i)), ctx), false],
      ["node def.run(params, ctx)", (i) => def.run(params(i), ctx), false],
      ["runtime.execute(workflow, { parameters })", (i) => (read ? read(ids[i & mask]!) : list!(i % TENANTS)), false],
    ];
  }
  // Checkpoints (an fsync each) are taken between timed loops, not inside them: this tool isolates CPU cost.
  if (!inMemory) raw.pragma("wal_autocheckpoint = 0");
  await measureLayers(`${workload} (SQLite ${inMemory ? "in memory" : "WAL file"})`, layers, workload === "list" ? 2_000 : 20_000, () => {
    if (!inMemory) raw.pragma("wal_checkpoint(TRUNCATE)");
  });
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
