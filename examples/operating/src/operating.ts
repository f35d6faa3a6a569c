// Operating DataFlow: every section of docs/operating.md, run for real. DATABASE_URL picks the
// database (default: an in-memory SQLite database). Sections are separated by "## <name>" lines.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { DataFlow, LocalRuntime, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import { instrumentDataFlow } from "@dataflow/otel";
import pino from "pino";

const section = (name: string) => console.log(`\n## ${name}`);

// Logs: pino, JSON lines on stdout; timestamps and pid left out so the output reads well here.
const logger = pino({ level: "debug", base: null, timestamp: false }, pino.destination({ sync: true }));
const db = new DataFlow({ ...(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {}), logger, slowQueryMs: 20 });
const Customer = db.model("Customer", { email: field.string().unique(), plan: field.string(), seats: field.int() });
const runtime = new LocalRuntime({ dataflow: db });

section("logs: a bulk import, a list, a failing run, an aborted run");
const rows = Array.from({ length: 20_000 }, (_, i) => ({ email: `user${i}@example.com`, plan: i % 10 === 0 ? "pro" : "free", seats: 1 + (i % 5) }));
const importWf = new WorkflowBuilder({ dataflow: db, name: "import" }).addNode(Customer.nodes.BulkCreate, "load", { data: rows }).build();
await runtime.execute(importWf, {
  // Progress: at most every 200 ms, and once at the end.
  onProgress: (e) => console.log(`progress ${e.operation} ${e.model}: ${e.done}/${e.total ?? "?"}${e.finished ? " (done)" : ""}`),
});
await runtime.execute(
  new WorkflowBuilder({ dataflow: db, name: "pro-customers" }).addNode(Customer.nodes.List, "pro", { filter: { plan: "pro" }, limit: 5 }).build(),
);
await runtime
  .execute(new WorkflowBuilder({ dataflow: db, name: "signup" }).addNode(Customer.nodes.Create, "again", { data: rows[0]! }).build())
  .catch(() => {});
const controller = new AbortController();
const stop = defineNode({ type: "Stop", params: {}, run: () => (controller.abort(), {}) });
await runtime
  .execute(
    new WorkflowBuilder({ dataflow: db, name: "report" })
      .addNode(stop, "stop", {})
      .addNode(Customer.nodes.Count, "count", {})
      .addDependency("stop", "count")
      .build(),
    { signal: controller.signal },
  )
  .catch(() => {});

section("progress of a stream");
let streamed = 0;
for await (const _ of db.stream(
  Customer,
  { filter: { seats: { $gte: 3 } } },
  { batchSize: 5_000, onProgress: (e) => console.log(`progress ${e.operation}: ${e.done} rows read${e.finished ? " (done)" : ""}`) },
))
  streamed++;
console.log(`streamed ${streamed} rows`);

section("stats and health");
console.log(JSON.stringify(db.stats()));
const health = await db.healthCheck();
console.log(JSON.stringify({ ok: health.ok, latencyMs: Math.round(health.latencyMs * 100) / 100 }));

section("raw SQL");
const seats = await db.sql<{ plan: string; seats: number }>`
  SELECT ${db.sql.id("plan")} AS plan, SUM(${db.sql.id("seats")}) AS seats
  FROM ${db.sql.id(Customer.table)} WHERE ${db.sql.id("seats")} >= ${1}
  GROUP BY ${db.sql.id("plan")} ORDER BY plan`;
console.log(JSON.stringify(seats.map((r) => ({ plan: r.plan, seats: Number(r.seats) }))));
// A statement over slowQueryMs (20 ms here) is logged with its text and parameter count, not its values.
await db.sql`WITH RECURSIVE c (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${300_000}) SELECT COUNT(*) AS n FROM c`;
const upgrade = defineNode({
  type: "Upgrade",
  params: {},
  // In a custom node, db.sql.with(ctx) runs on the run's transaction (here: { transaction: true } would make it one).
  run: async (_params, ctx) => {
    const [row] = await db.sql.with(ctx)<{ n: number }>`SELECT COUNT(*) AS n FROM ${db.sql.id(Customer.table)} WHERE ${db.sql.id("plan")} = ${"pro"}`;
    return { pro: Number(row!.n) };
  },
});
const upgraded = await runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(upgrade, "upgrade", {}).build());
console.log(JSON.stringify(upgraded.results));

section("OpenTelemetry spans");
const exporter = new InMemorySpanExporter();
const instrumentation = instrumentDataFlow({ tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }) });
await runtime.execute(
  new WorkflowBuilder({ dataflow: db, name: "checkout" })
    .addNode(Customer.nodes.Create, "add", { data: { email: "new@example.com", plan: "pro", seats: 3 } })
    .addNode(Customer.nodes.Count, "count", { filter: { plan: "pro" } })
    .addDependency("add", "count")
    .build(),
);
instrumentation.disable();
const spans = exporter.getFinishedSpans();
// Printed as a tree: each span under its parent, siblings in the order they started.
const childrenOf = (parent: string | undefined) =>
  spans.filter(
    (s) =>
      (s.parentSpanContext?.spanId ?? undefined) === parent ||
      (parent === undefined && !spans.some((p) => p.spanContext().spanId === s.parentSpanContext?.spanId)),
  );
const print = (parent: string | undefined, depth: number): void => {
  for (const s of childrenOf(parent)) {
    const attrs = Object.fromEntries(
      Object.entries(s.attributes).filter(([k]) => k.startsWith("db.") || k === "dataflow.node.id" || k === "dataflow.workflow.name"),
    );
    console.log(`${"  ".repeat(depth)}${s.name} ${JSON.stringify(attrs)}`);
    print(s.spanContext().spanId, depth + 1);
  }
};
print(undefined, 0);

await db.close();
