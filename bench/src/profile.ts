/**
 * Runs one DataFlow workload in a loop, for a CPU profile of the per-node overhead:
 *   node --cpu-prof --cpu-prof-dir=/tmp/df-prof --import tsx src/profile.ts read [seconds] [--memory | --postgres | --mysql]
 *   node --import tsx src/profile-summary.ts /tmp/df-prof/<file>.cpuprofile
 * Workloads: create, read, list, bulk. SQLite by default (`--memory`: in memory); `--postgres` /
 * `--mysql`: a throwaway server from @dataflow/testing. Read/list tables are seeded with raw SQL
 * (a DataFlow transaction would switch on AsyncLocalStorage's promise hooks for the whole process).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plugin } from "@dataflow/kernel/plugin";
import { DataFlow } from "@dataflow/kernel";
import sqlitePlugin, { type SqliteAdapter } from "@dataflow/sql-sqlite";
import { provisionDatabase } from "@dataflow/testing";
import type { TestDatabase } from "@dataflow/testing";
import { DataFlowNodes } from "./dataflow-nodes.js";
import { BULK_ROWS, CREATE_POOL, INSERT_COLUMNS, SEEDED_ROWS, TABLES, TENANTS, makeInputs, readIds } from "./workload-data.js";
import type { BenchInput } from "./workload-data.js";

const args = process.argv.slice(2);
const workload = args[0] ?? "read";
const seconds = Number(args.slice(1).find((a) => !a.startsWith("--")) ?? 10);
const kind = args.includes("--postgres") ? "postgres" : args.includes("--mysql") ? "mysql" : "sqlite";
const dir = mkdtempSync(join(tmpdir(), "dataflow-profile-"));

let server: TestDatabase | undefined;
let db: DataFlow;
/** Inserts rows with plain SQL through the adapter's own raw access. */
let seed: (table: string, rows: readonly BenchInput[]) => Promise<void>;
let empty: (table: string) => Promise<void>;

if (kind === "sqlite") {
  db = new DataFlow({ url: args.includes("--memory") ? "sqlite::memory:" : `sqlite://${join(dir, "profile.db")}`, plugins: [sqlitePlugin] });
  const handle = () => (db.adapter as unknown as SqliteAdapter).handle;
  seed = async (table, rows) => {
    const insert = handle().prepare(`INSERT INTO "${table}" (${INSERT_COLUMNS.map((c) => `"${c}"`).join(", ")}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const now = new Date().toISOString();
    handle().transaction(() => {
      for (const r of rows) insert.run(r.name, r.email, r.tenant, r.score, r.active ? 1 : 0, now, now);
    })();
  };
  empty = async (table) => void handle().exec(`DELETE FROM "${table}"`);
} else {
  const provisioned = await provisionDatabase(kind, { ownServer: true });
  if (!provisioned.ok) throw new Error(provisioned.reason);
  server = provisioned.db;
  const plugin = ((await import(kind === "postgres" ? "@dataflow/sql-postgres" : "@dataflow/sql-mysql")) as { default: Plugin }).default;
  db = new DataFlow({ url: server.url, plugins: [plugin], pool: { max: 1 } });
  const q = (id: string) => (kind === "postgres" ? `"${id}"` : `\`${id}\``);
  const run = (text: string) => (db.adapter as unknown as { query(text: string, params: unknown[]): Promise<unknown> }).query(text, []);
  seed = async (table, rows) => {
    const now = new Date().toISOString().replace("T", " ").replace("Z", "");
    for (let i = 0; i < rows.length; i += 1000) {
      const tuples = rows.slice(i, i + 1000).map((r) => `('${r.name}', '${r.email}', ${r.tenant}, ${r.score}, ${r.active}, '${now}', '${now}')`);
      await run(`INSERT INTO ${q(table)} (${INSERT_COLUMNS.map(q).join(", ")}) VALUES ${tuples.join(", ")}`);
    }
    await run(kind === "postgres" ? `VACUUM ANALYZE ${q(table)}` : `ANALYZE TABLE ${q(table)}`);
  };
  empty = async (table) => void (await run(`TRUNCATE TABLE ${q(table)}`));
}
const nodes = new DataFlowNodes(db);

async function loop(op: (i: number) => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let i = 0;
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++) await op(i++);
  }
  return i;
}

try {
  let ops = 0;
  const started = performance.now();
  if (workload === "create") {
    await nodes.createTable("create");
    const create = nodes.create("create");
    const pool = makeInputs(CREATE_POOL, 1);
    ops = await loop((i) => create(pool[i & (CREATE_POOL - 1)]!));
  } else if (workload === "read" || workload === "list") {
    await nodes.createTable(workload);
    await seed(TABLES[workload], makeInputs(SEEDED_ROWS, 2));
    if (workload === "read") {
      const read = nodes.read("read");
      const ids = readIds(SEEDED_ROWS);
      ops = await loop((i) => read(ids[i & (ids.length - 1)]!));
    } else {
      const list = nodes.list("list");
      ops = await loop((i) => list(i % TENANTS));
    }
  } else if (workload === "bulk") {
    await nodes.createTable("bulk");
    const bulk = nodes.bulkCreate("bulk");
    const rows = makeInputs(BULK_ROWS, 4);
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await bulk(rows);
      ops += rows.length;
      await empty(TABLES.bulk);
    }
  } else throw new Error(`unknown workload '${workload}' (create, read, list, bulk)`);
  const elapsed = (performance.now() - started) / 1000;
  console.log(`${kind} ${workload}: ${ops} ops in ${elapsed.toFixed(1)} s (${((elapsed * 1e6) / ops).toFixed(2)} µs/op, including setup)`);
} finally {
  await db.close();
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
}
