// Type tests (vitest --typecheck): every refusal is a @ts-expect-error that fails if the error disappears.
import { describe, expectTypeOf, it } from "vitest";
import type { Row } from "../../src/index.js";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "../../src/index.js";

declare const db: DataFlow;
const User = db.model("User", {
  id: field.string(),
  name: field.string(),
  email: field.string().unique(),
  age: field.int().optional(),
  active: field.boolean().default(true),
  role: field.enum(["admin", "member"]).default("member"),
});
const Order = db.model("Order", { user_id: field.string(), total: field.int(), paid: field.boolean().default(false) });
const runtime = new LocalRuntime();

describe("typed node references", () => {
  it("carry the literal type name", () => {
    expectTypeOf(User.nodes.Create).toExtend<"User_Create">();
    expectTypeOf(Order.nodes.BulkUpsert).toExtend<"Order_BulkUpsert">();
    const analytics = new DataFlow({ namespace: "analytics" });
    const Event = analytics.model("Event", { name: field.string() });
    expectTypeOf(Event.nodes.List).toExtend<"analytics.Event_List">();
  });

  it("the issue's example: typed results by node id, a connection supplying a required field", async () => {
    const wf = new WorkflowBuilder()
      .addNode(User.nodes.Create, "create", { data: { id: "u1", name: "Ada", email: "ada@x.io" } })
      .addNode(Order.nodes.Create, "order", { data: { total: 10 } })
      .addConnection("create", "result.id", "order", "data.user_id")
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.create.result).toEqualTypeOf<Row<typeof User>>();
    expectTypeOf(results.order.result).toEqualTypeOf<Row<typeof Order>>();
  });
});
