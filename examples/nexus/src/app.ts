// The quickstart's models, plus one registered workflow, on a database the server and the CLI share.
import { DataFlow, WorkflowBuilder, field } from "@dataflow/kernel";
import { pino } from "pino";

export function createApp(): DataFlow {
  // A file by default, so `serve`, `run` and `mcp` (separate processes) see the same rows.
  // The log (stderr, pino JSON lines) is also where Nexus writes the detail of every 5xx it answers.
  const db = new DataFlow({
    url: process.env.DATABASE_URL || "sqlite:nexus-example.db",
    logger: pino({ level: process.env.DATAFLOW_LOG_LEVEL || "error" }, pino.destination({ dest: 2, sync: true })),
  });
  const User = db.model("User", {
    id: field.string(),
    name: field.string(),
    email: field.string().unique(),
    age: field.int().optional(),
    active: field.boolean().default(true),
  });
  const Order = db.model("Order", { user_id: field.string().index(), total: field.decimal({ precision: 10, scale: 2 }) });

  // signup: creates a user and their first order; each input sets only the params it names.
  // Given the builder (not build()), the params the inputs set may be left out.
  const signup = new WorkflowBuilder({ dataflow: db })
    .addNode(User.nodes.Create, "user", {})
    .addNode(Order.nodes.Create, "order", {})
    .addConnection("user", "result.id", "order", "data.user_id");
  db.registerWorkflow("signup", signup, {
    description: "Creates a user and their first order.",
    inputs: { id: "user.data.id", name: "user.data.name", email: "user.data.email", firstOrderTotal: "order.data.total" },
  });
  return db;
}
