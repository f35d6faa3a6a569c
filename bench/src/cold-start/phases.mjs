// Cold-start phases (issue 9's "cold start" budget), for instruction counts: the process exits after
// phase STOP (0 node itself, 1 import the kernel, 2 import sql-sqlite, 3 new DataFlow, 4 db.model,
// 5 runtime + workflow, 6 open the database (the adapter's connect: file, pragmas, functions),
// 7 the table check (ensureModel: catalog queries, drift check), 8 the first Create). A phase costs
// the difference to the one before; `sh src/cold-start/phases.sh` runs them all (and raw-phases.mjs).
const stop = Number(process.env.STOP);
const [file, table] = process.argv.slice(2);
if (stop === 0) process.exit(0);
const { DataFlow, LocalRuntime, WorkflowBuilder, field } = await import("@dataflow/kernel");
if (stop === 1) process.exit(0);
const sqlitePlugin = (await import("@dataflow/sql-sqlite")).default;
if (stop === 2) process.exit(0);
const db = new DataFlow({ url: `sqlite://${file}`, plugins: [sqlitePlugin] });
if (stop === 3) process.exit(0);
const Bench = db.model(
  "BenchCold",
  { name: field.string({ maxLength: 100 }), email: field.string({ maxLength: 200 }), tenant: field.int(), score: field.int(), active: field.boolean() },
  { table, indexes: [{ fields: ["tenant", "score", "id"] }] },
);
if (stop === 4) process.exit(0);
const runtime = new LocalRuntime({ dataflow: db });
const workflow = new WorkflowBuilder({ dataflow: db })
  .addNode(Bench.nodes.Create, "create", { data: { name: "cold", email: "cold@example.com", tenant: 1, score: 2, active: true } })
  .build();
if (stop === 5) process.exit(0);
// DataFlow's private connect() (what the first use calls before the table check), to time the two apart.
await db.connect();
if (stop === 6) process.exit(0);
await db.ensureModel(Bench);
if (stop === 7) process.exit(0);
await runtime.execute(workflow);
process.exit(0);
