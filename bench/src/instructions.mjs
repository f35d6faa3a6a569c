// Instruction-count probe (plain JS, no tsx, so the loader does not dominate): runs `warm` then
// `count` operations of one workload on an in-memory SQLite database. Run it twice under
// `valgrind --tool=callgrind` with different counts; the difference / ops is instructions per op.
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node src/instructions.mjs read 2000 0
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";

const [workload = "read", warmArg = "2000", countArg = "0"] = process.argv.slice(2);
const total = Number(warmArg) + Number(countArg);
const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlitePlugin] });
const User = db.model(
  "User",
  { name: field.string({ maxLength: 100 }), tenant: field.int(), score: field.int(), active: field.boolean() },
  {
    indexes: [{ fields: ["tenant", "score", "id"] }],
  },
);
await db.ensureModel(User);
const runtime = new LocalRuntime({ dataflow: db });
const wf = (b) => b.build();
const create = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Create, "node", { data: {} }));
const read = wf(new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Read, "node", { id: 1 }));
const five = wf(
  new WorkflowBuilder({ dataflow: db })
    .addNode(User.nodes.Create, "create", { data: {} })
    .addNode(User.nodes.Read, "read", {})
    .addConnection("create", "result.id", "read", "id")
    .addNode(User.nodes.Update, "update", { fields: { score: 1 } })
    .addConnection("read", "result.id", "update", "id")
    .addNode(User.nodes.List, "list", { filter: { tenant: 0 }, orderBy: "-score", limit: 10 })
    .addNode(User.nodes.Count, "count", { filter: { tenant: 0 } }),
);
for (let i = 0; i < 200; i++) await runtime.execute(create, { parameters: { node: { data: { name: `u${i}`, tenant: i % 10, score: i, active: true } } } });
const signal = workload.endsWith("-signal") ? new AbortController().signal : undefined;
const ops = {
  read: (i) => runtime.execute(read, { parameters: { node: { id: (i % 200) + 1 } }, signal }),
  create: (i) => runtime.execute(create, { parameters: { node: { data: { name: `u${i}`, tenant: i % 10, score: i, active: true } } }, signal }),
  // Created rows go to tenants >= 100: List and Count read the 20 seeded rows of tenant 0 every time.
  five: (i) => runtime.execute(five, { parameters: { create: { data: { name: `u${i}`, tenant: 100 + (i % 10), score: i, active: true } } }, signal }),
};
const op = ops[workload.replace(/-signal$/, "")];
for (let i = 0; i < total; i++) await op(i);
await db.close();
