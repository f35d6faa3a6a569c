/**
 * What a DataFlow node sends to the server, from the server's own statement log: a throwaway
 * PostgreSQL (log_statement = all, with the protocol steps: parse, bind, execute) or MariaDB
 * (general_log), one operation of each kind, and the log lines each produced. Round trips that the
 * driver pipelines (pg's parse/bind/execute/sync) show as one execute; BEGIN/COMMIT or a second
 * SELECT show as their own lines.
 *   node --import tsx src/statement-log.ts [postgres|mysql]
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Model } from "@dataflow/kernel";
import { DataFlow } from "@dataflow/kernel";
import { provisionDatabase } from "@dataflow/testing";
import mysqlPlugin from "@dataflow/sql-mysql";
import postgresPlugin from "@dataflow/sql-postgres";
import { DataFlowNodes } from "./dataflow-nodes.js";
import { MODEL_NAMES, makeInputs } from "./workload-data.js";

const kind = (process.argv[2] ?? "postgres") as "postgres" | "mysql";
const provisioned = await provisionDatabase(kind, { ownServer: true });
if (!provisioned.ok) throw new Error(provisioned.reason);
const server = provisioned.db.server;
if (!server?.pid) throw new Error("no local server pid (a container?): the log file cannot be found");
const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");

let logFile: string;
const db = new DataFlow({ url: provisioned.db.url, plugins: [kind === "postgres" ? postgresPlugin : mysqlPlugin], pool: { max: 1 } });
if (kind === "postgres") {
  logFile = join(dirname(args[args.indexOf("-D") + 1]!), "server.log");
  await db.sql`ALTER SYSTEM SET log_statement = 'all'`;
  await db.sql`SELECT pg_reload_conf()`;
} else {
  const dataDir = args.find((a) => a.startsWith("--datadir="))!.slice("--datadir=".length);
  logFile = join(dataDir, "general.log");
  await db.sql`SET GLOBAL general_log_file = ${logFile}`;
  await db.sql`SET GLOBAL general_log = 1`;
}

const nodes = new DataFlowNodes(db);
await nodes.createTable("create");
const model = db.models.get(MODEL_NAMES.create) as Model;
const create = nodes.create("create");
const inputs = makeInputs(10, 3);

async function logged(label: string, fn: () => Promise<unknown>): Promise<void> {
  await new Promise((r) => setTimeout(r, 200));
  const from = statSync(logFile).size;
  await fn();
  await new Promise((r) => setTimeout(r, 300));
  const lines = readFileSync(logFile, "utf8").slice(from).trimEnd().split("\n");
  console.log(`\n== ${label}: ${lines.length} log lines`);
  for (const line of lines) console.log(`  ${line.length > 220 ? `${line.slice(0, 220)}...` : line}`);
}

for (let i = 0; i < 3; i++) await logged(`Create #${i + 1}`, () => create(inputs[i]!));
const runtime = nodes.runtime;
const { WorkflowBuilder } = await import("@dataflow/kernel");
const wf = (name: "Read" | "List" | "Update" | "Upsert" | "BulkCreate" | "Count", params: Record<string, unknown>) =>
  new WorkflowBuilder({ dataflow: db }).addNode(model.nodes[name], "node", params).build();
const read = wf("Read", { id: 1 });
for (let i = 0; i < 2; i++) await logged(`Read #${i + 1}`, () => runtime.execute(read, {}));
const list = wf("List", { filter: { tenant: inputs[0]!.tenant }, orderBy: "-score", limit: 50 });
for (let i = 0; i < 2; i++) await logged(`List #${i + 1}`, () => runtime.execute(list, {}));
const update = wf("Update", { id: 1, fields: { score: 7 } });
await logged("Update by id", () => runtime.execute(update, {}));
const upsert = wf("Upsert", { where: { id: 1 }, create: { ...inputs[4]! }, update: { score: 9 } });
await logged("Upsert (existing row)", () => runtime.execute(upsert, {}));
const bulk = wf("BulkCreate", { data: makeInputs(5, 9) });
await logged("BulkCreate of 5", () => runtime.execute(bulk, {}));
await logged("Read with an AbortSignal", () => runtime.execute(read, { signal: new AbortController().signal }));

await db.close();
await provisioned.db.dispose();
