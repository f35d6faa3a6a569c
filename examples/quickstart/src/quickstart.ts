// DataFlow quick start. Runs on the embedded in-memory SQLite database by default;
// set DATABASE_URL (postgresql://... or mysql://...) to run the same program on a server.
import type { Row } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";

const db = new DataFlow();
console.log(`database: ${db.url}`);

// Declaring a model is synchronous and touches no database; 11 nodes are generated for it.
const User = db.model(
  "User",
  {
    id: field.string(),
    name: field.string(),
    email: field.string().unique(),
    age: field.int().optional(),
    active: field.boolean().default(true),
  },
  { table: "quickstart_users", indexes: [{ fields: ["age"] }] },
);
type User = Row<typeof User>;

const runtime = new LocalRuntime();

// Start from an empty table so the program can be run again on a server database.
await runtime.execute(new WorkflowBuilder().addNode(User.nodes.BulkDelete, "reset", { filter: {}, all: true }).build());

// One workflow: create -> read -> list -> count -> update -> delete. Connections pass outputs on.
// Typed nodes (User.nodes.*): tsc checks every param, connection and result read below.
const crud = new WorkflowBuilder()
  .addNode(User.nodes.Create, "create", { data: { id: "user-001", name: "Ada Lovelace", email: "ada@example.com", age: 36 } })
  .addNode(User.nodes.Create, "create2", { data: { id: "user-002", name: "Alan Turing", email: "alan@example.com", age: 41 } })
  .addNode(User.nodes.Read, "read", {})
  .addConnection("create", "result.id", "read", "id")
  .addNode(User.nodes.List, "list", { filter: { age: { $gte: 30 }, active: true }, orderBy: "-age" })
  .addNode(User.nodes.Count, "count", { filter: { email: { $like: "%@example.com" } } })
  .addNode(User.nodes.Update, "update", { fields: { age: 37 } })
  .addConnection("read", "result.id", "update", "id")
  .addNode(User.nodes.Delete, "delete", { id: "user-002" })
  .addDependency("create2", "list")
  .addDependency("read", "list")
  .addDependency("list", "count")
  .addDependency("count", "update")
  .addDependency("update", "delete")
  .build();

const { results, runId } = await runtime.execute(crud);
const created: User = results.create.result;
console.log(`\nrun ${runId}`);
console.log("create ->", created);
console.log("read   ->", results.read.result?.name, `(found: ${results.read.found})`);
console.log(
  "list   ->",
  results.list.result.map((u) => `${u.name} (${u.age})`),
);
console.log("count  ->", results.count.result);
console.log("update ->", { id: results.update.result.id, age: results.update.result.age, updated_at: results.update.result.updated_at });
console.log("delete ->", results.delete.result);

// Bulk: 10,000 rows in one node, then a filtered, paginated list over them.
const rows = Array.from({ length: 10_000 }, (_, i) => ({
  id: `bulk-${String(i).padStart(5, "0")}`,
  name: `User ${i}`,
  email: `user${i}@example.com`,
  age: 18 + (i % 60),
}));
const bulk = new WorkflowBuilder()
  .addNode(User.nodes.BulkCreate, "bulk", { data: rows })
  .addNode(User.nodes.List, "page", { filter: { age: { $in: [30, 31] } }, orderBy: ["-age", "id"], limit: 5, select: ["id", "age"] })
  .addNode(User.nodes.Count, "total", {})
  .addDependency("bulk", "page")
  .addDependency("bulk", "total")
  .build();
const started = performance.now();
const bulkRun = await runtime.execute(bulk);
const elapsed = performance.now() - started;
console.log(`\nbulk   -> ${JSON.stringify(bulkRun.results.bulk.result)} in ${elapsed.toFixed(0)} ms`);
console.log(
  "page   ->",
  bulkRun.results.page.result.map((u) => `${u.id} age ${u.age}`),
);
console.log("next   ->", bulkRun.results.page.nextCursor ? "a keyset cursor for the next page" : "no more pages");
console.log("total  ->", bulkRun.results.total.result, "users");

await db.close();
