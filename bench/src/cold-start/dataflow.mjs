// Cold start of DataFlow: import it, declare the model, build a workflow and run the first Create.
//   node src/cold-start/dataflow.mjs <file> <table>
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import sqlitePlugin from "@dataflow/sql-sqlite";
import { report } from "./report.mjs";

const [file, table] = process.argv.slice(2);
const db = new DataFlow({ url: `sqlite://${file}`, plugins: [sqlitePlugin] });
const Bench = db.model(
  "BenchCold",
  {
    name: field.string({ maxLength: 100 }),
    email: field.string({ maxLength: 200 }),
    tenant: field.int(),
    score: field.int(),
    active: field.boolean(),
  },
  { table, indexes: [{ fields: ["tenant", "score", "id"] }] },
);
const runtime = new LocalRuntime({ dataflow: db });
const workflow = new WorkflowBuilder({ dataflow: db })
  .addNode(Bench.nodes.Create, "create", { data: { name: "cold", email: "cold@example.com", tenant: 1, score: 2, active: true } })
  .build();
const { results } = await runtime.execute(workflow);
report(results.create.result);
await db.close();
