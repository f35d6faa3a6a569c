// Cost of operating features, as instructions per operation (stable under load): runs `warm` then
// `count` operations of one workload on an in-memory SQLite database with one feature switched on.
// Run it twice under callgrind with different counts; the difference / count is instructions per op.
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node src/operating.mjs read off 1000 0
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node src/operating.mjs read off 1000 2000
// Workloads: read (one Read node), bulk (BulkCreate of 100 rows). Features: off (none), logger (a
// pino-shaped logger that drops every line), progress (onProgress on every run), otel
// (@dataflow/otel with a tracer provider whose spans go nowhere), all (all three).
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";

const [workload = "read", feature = "off", warmArg = "1000", countArg = "0"] = process.argv.slice(2);
const on = (name) => feature === name || feature === "all";
const total = Number(warmArg) + Number(countArg);

const noop = () => {};
const logger = on("logger") ? { debug: noop, info: noop, warn: noop, error: noop } : undefined;
if (on("otel")) {
  const { instrumentDataFlow } = await import("@dataflow/otel");
  const { BasicTracerProvider } = await import("@opentelemetry/sdk-trace-base");
  instrumentDataFlow({ tracerProvider: new BasicTracerProvider() });
}
const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlitePlugin], ...(logger ? { logger } : {}) });
const User = db.model("User", { name: field.string({ maxLength: 100 }), score: field.int() });
await db.ensureModel(User);
const runtime = new LocalRuntime({ dataflow: db });
const create = new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Create, "node", { data: {} }).build();
const read = new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Read, "node", { id: 1 }).build();
const bulk = new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.BulkCreate, "node", { data: [] }).build();
for (let i = 0; i < 200; i++) await runtime.execute(create, { parameters: { node: { data: { name: `u${i}`, score: i } } } });
const rows = Array.from({ length: 100 }, (_, i) => ({ name: `b${i}`, score: i }));
const progress = on("progress") ? { onProgress: noop } : {};
const ops = {
  read: (i) => runtime.execute(read, { parameters: { node: { id: (i % 200) + 1 } }, ...progress }),
  bulk: () => runtime.execute(bulk, { parameters: { node: { data: rows } }, ...progress }),
};
const op = ops[workload];
for (let i = 0; i < total; i++) await op(i);
await db.close();
