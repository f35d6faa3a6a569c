// Cold-start phases (issue 9's "cold start" budget), for instruction counts: the process exits after
// phase STOP (0 node itself, 1 import the kernel, 2 import sql-sqlite, 3 model + workflow,
// 4 ensureModel, 5 the first Create). Run once per STOP under callgrind; a phase costs the difference.
//   cp <db with the table> /tmp/p.db && STOP=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//     node --single-threaded --predictable src/cold-start/phases.mjs /tmp/p.db bench_cold
const stop = Number(process.env.STOP);
const [file, table] = process.argv.slice(2);
if (stop === 0) process.exit(0);
const { DataFlow, LocalRuntime, WorkflowBuilder, field } = await import("@dataflow/kernel");
if (stop === 1) process.exit(0);
const sqlitePlugin = (await import("@dataflow/sql-sqlite")).default;
if (stop === 2) process.exit(0);
const db = new DataFlow({ url: `sqlite://${file}`, plugins: [sqlitePlugin] });
const Bench = db.model(
  "BenchCold",
  { name: field.string({ maxLength: 100 }), email: field.string({ maxLength: 200 }), tenant: field.int(), score: field.int(), active: field.boolean() },
  { table, indexes: [{ fields: ["tenant", "score", "id"] }] },
);
const runtime = new LocalRuntime({ dataflow: db });
const workflow = new WorkflowBuilder({ dataflow: db })
  .addNode(Bench.nodes.Create, "create", { data: { name: "cold", email: "cold@example.com", tenant: 1, score: 2, active: true } })
  .build();
if (stop === 3) process.exit(0);
await db.ensureModel(Bench);
if (stop === 4) process.exit(0);
await runtime.execute(workflow);
process.exit(0);
