// Type tests (vitest --typecheck). Every refusal is a @ts-expect-error, which fails the run if the
// compiler stops reporting the error; the positive types are asserted with expectTypeOf.
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { Row } from "../../src/index.js";
import { DataFlow, LocalRuntime, WorkflowBuilder, defineNode, field } from "../../src/index.js";

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
type User = Row<typeof User>;
type Order = Row<typeof Order>;
const runtime = new LocalRuntime();
const ada = { id: "u1", name: "Ada", email: "ada@x.io" } as const;

describe("typed node references", () => {
  it("carry the literal type name, namespaced when the DataFlow has a namespace", () => {
    expectTypeOf(User.nodes.Create).toExtend<"User_Create">();
    expectTypeOf(Order.nodes.BulkUpsert).toExtend<"Order_BulkUpsert">();
    const analytics = new DataFlow({ namespace: "analytics" });
    const Event = analytics.model("Event", { name: field.string() });
    expectTypeOf(Event.nodes.List).toExtend<"analytics.Event_List">();
  });

  it("the issue's example: results typed by node id; a connection supplies a required field", async () => {
    const wf = new WorkflowBuilder()
      .addNode(User.nodes.Create, "create", { data: { id: "u1", name: "Ada", email: "ada@x.io" } })
      .addNode(Order.nodes.Create, "order", { data: { total: 10 } })
      .addConnection("create", "result.id", "order", "data.user_id")
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.create.result).toEqualTypeOf<User>();
    expectTypeOf(results.order.result).toEqualTypeOf<Order>();
    // @ts-expect-error -- a result field that does not exist
    void results.create.result.emial;
    // @ts-expect-error -- a node id that does not exist
    void results.craete;
  });

  it("the string form is typed the same way when the builder has the models", async () => {
    const wf = new WorkflowBuilder({ models: [User, Order] })
      .addNode("User_Create", "create", { data: ada })
      .addNode("Order_List", "orders", { filter: { total: { $gte: 10 } } })
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.create.result).toEqualTypeOf<User>();
    expectTypeOf(results.orders.result).toEqualTypeOf<Order[]>();
    // @ts-expect-error -- a misspelt node type
    new WorkflowBuilder({ models: [User, Order] }).addNode("User_Craete", "c", { data: ada });
    // @ts-expect-error -- the string form refuses a misspelt field the same way
    new WorkflowBuilder({ models: [User] }).addNode("User_List", "l", { filter: { emial: "x" } });
  });

  it("without models, the string form and the imperative style compile as before", async () => {
    const wf = new WorkflowBuilder();
    wf.addNode("User_Create", "create", { data: { anything: 1 } });
    wf.addNode("User_Read", "read", {});
    wf.addConnection("create", "result.id", "read", "id");
    const { results } = await runtime.execute(wf.build());
    expectTypeOf(results).toEqualTypeOf<Record<string, any>>();
    const fluent = new WorkflowBuilder().addNode("User_Create", "c", { data: {} }).build();
    expectTypeOf((await runtime.execute(fluent)).results.c).toBeAny();
  });
});

describe("typed results of every operation", () => {
  it("rows, nullable reads, counts, bulk counts and deletes", async () => {
    const wf = new WorkflowBuilder()
      .addNode(User.nodes.Create, "create", { data: ada })
      .addNode(User.nodes.Read, "read", { id: "u1" })
      .addNode(User.nodes.Update, "update", { id: "u1", fields: { age: 37 } })
      .addNode(User.nodes.Upsert, "upsert", { where: { email: "ada@x.io" }, create: { id: "u1", name: "Ada" }, update: { name: "Ada L." } })
      .addNode(User.nodes.List, "list", { filter: { age: { $gte: 18 } }, orderBy: "-created_at", limit: 10 })
      .addNode(User.nodes.Count, "count", {})
      .addNode(User.nodes.Delete, "delete", { id: "u1" })
      .addNode(User.nodes.BulkCreate, "bulkCreate", { data: [ada] })
      .addNode(User.nodes.BulkUpdate, "bulkUpdate", { filter: { active: false }, fields: { active: true } })
      .addNode(User.nodes.BulkDelete, "bulkDelete", { filter: {}, all: true })
      .addNode(User.nodes.BulkUpsert, "bulkUpsert", { data: [ada], conflictOn: ["email"] })
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.create.result).toEqualTypeOf<User>();
    expectTypeOf(results.read.result).toEqualTypeOf<User | null>();
    expectTypeOf(results.read.found).toEqualTypeOf<boolean>();
    expectTypeOf(results.update.result).toEqualTypeOf<User>();
    expectTypeOf(results.upsert).toEqualTypeOf<{ result: User; created: boolean }>();
    expectTypeOf(results.list.result).toEqualTypeOf<User[]>();
    expectTypeOf(results.list.count).toEqualTypeOf<number>();
    expectTypeOf(results.list.nextCursor).toEqualTypeOf<string | undefined>();
    expectTypeOf(results.count.result).toEqualTypeOf<number>();
    expectTypeOf(results.delete.result).toEqualTypeOf<{ id: string; deleted: boolean }>();
    expectTypeOf(results.bulkCreate.result).toEqualTypeOf<{ inserted: number; skipped: number; updated: number }>();
    expectTypeOf(results.bulkUpdate.result).toEqualTypeOf<{ updated: number }>();
    expectTypeOf(results.bulkDelete.result).toEqualTypeOf<{ deleted: number }>();
    expectTypeOf(results.bulkUpsert.result).toEqualTypeOf<{ inserted: number; updated: number }>();
  });

  it("select narrows List rows to the selected fields", async () => {
    const wf = new WorkflowBuilder().addNode(User.nodes.List, "names", { select: ["id", "name"] }).build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.names.result).toEqualTypeOf<Pick<User, "id" | "name">[]>();
    // @ts-expect-error -- a field that select left out
    void results.names.result[0]?.email;
  });

  it("an auto-increment id is a number", () => {
    expectTypeOf<Row<typeof Order>["id"]>().toEqualTypeOf<number>();
  });
});

describe("what the compiler refuses", () => {
  const b = () => new WorkflowBuilder();

  it("misspelt fields in data, fields, filter, orderBy and select", () => {
    // @ts-expect-error -- data
    b().addNode(User.nodes.Create, "c", { data: { ...ada, emial: "x" } });
    // @ts-expect-error -- fields
    b().addNode(User.nodes.Update, "u", { id: "u1", fields: { nmae: "x" } });
    // @ts-expect-error -- filter
    b().addNode(User.nodes.List, "l", { filter: { nmae: "Ada" } });
    // @ts-expect-error -- filter inside $or
    b().addNode(User.nodes.List, "l", { filter: { $or: [{ name: "Ada" }, { nmae: "Bob" }] } });
    // @ts-expect-error -- orderBy
    b().addNode(User.nodes.List, "l", { orderBy: "-craeted_at" });
    // @ts-expect-error -- orderBy object form
    b().addNode(User.nodes.List, "l", { orderBy: { agee: "desc" } });
    // @ts-expect-error -- select
    b().addNode(User.nodes.List, "l", { select: ["id", "nmae"] });
  });

  it("a misspelt param", () => {
    // @ts-expect-error -- order_by
    b().addNode(User.nodes.List, "l", { order_by: "name" });
  });

  it("unknown filter operators and operators that do not fit the field's type", () => {
    // @ts-expect-error -- $gtee
    b().addNode(User.nodes.List, "l", { filter: { age: { $gtee: 18 } } });
    // @ts-expect-error -- $like on an int
    b().addNode(User.nodes.List, "l", { filter: { age: { $like: "1%" } } });
    // @ts-expect-error -- $gt on a boolean
    b().addNode(User.nodes.List, "l", { filter: { active: { $gt: true } } });
  });

  it("wrong value types and values outside an enum", () => {
    // @ts-expect-error -- "36" for an int
    b().addNode(User.nodes.Create, "c", { data: { ...ada, age: "36" } });
    // @ts-expect-error -- 1 for a boolean
    b().addNode(User.nodes.Update, "u", { id: "u1", fields: { active: 1 } });
    // @ts-expect-error -- "36" for an int in a filter
    b().addNode(User.nodes.Count, "n", { filter: { age: "36" } });
    // @ts-expect-error -- a value outside the enum
    b().addNode(User.nodes.Create, "c", { data: { ...ada, role: "owner" } });
    // @ts-expect-error -- a value outside the enum in $in
    b().addNode(User.nodes.List, "l", { filter: { role: { $in: ["admin", "owner"] } } });
  });

  it("a missing required field in a Create's data when no connection supplies it", () => {
    const missing = b().addNode(User.nodes.Create, "c", { data: { id: "u1", name: "Ada" } });
    // @ts-expect-error -- data.email is required and nothing supplies it
    missing.build();
    const noData = b().addNode(User.nodes.Update, "u", { id: "u1" });
    // @ts-expect-error -- fields is required and nothing supplies it
    noData.build();
    // supplied by a connection: compiles
    b()
      .addNode(User.nodes.Read, "r", { id: "u1" })
      .addNode(User.nodes.Create, "c", { data: { id: "u2", name: "Ada" } })
      .addConnection("r", "result.email", "c", "data.email")
      .build();
  });

  it("connections from a path the source does not output, into a param that does not exist, or between incompatible types", () => {
    const two = b()
      .addNode(User.nodes.Create, "create", { data: ada })
      .addNode(Order.nodes.Create, "order", { data: { total: 10 } });
    // @ts-expect-error -- result.idd
    two.addConnection("create", "result.idd", "order", "data.user_id");
    // @ts-expect-error -- data.user_idd
    two.addConnection("create", "result.id", "order", "data.user_idd");
    // @ts-expect-error -- a string id into an int field
    two.addConnection("create", "result.id", "order", "data.total");
    // @ts-expect-error -- a node id that does not exist
    two.addConnection("craete", "result.id", "order", "data.user_id");
    expectTypeOf(two.addConnection("create", "result.id", "order", "data.user_id").build()).toExtend<object>();
  });
});

describe("defineNode with a Standard Schema", () => {
  const score = defineNode({
    type: "Score",
    params: z.object({ user_id: z.string(), weight: z.number().default(1) }),
    run: (params) => {
      expectTypeOf(params).toEqualTypeOf<{ user_id: string; weight: number }>();
      return { result: { score: params.weight * 2, user_id: params.user_id } };
    },
  });
  const valibotNode = defineNode({
    type: "Tagged",
    params: v.object({ tag: v.picklist(["a", "b"]) }),
    run: ({ tag }) => ({ result: tag }),
  });

  it("types run's params and the node's output", async () => {
    expectTypeOf(score.type).toEqualTypeOf<"Score">();
    const wf = new WorkflowBuilder()
      .addNode(User.nodes.Read, "read", { id: "u1" })
      .addNode(score, "score", {})
      .addNode(valibotNode, "tagged", { tag: "a" })
      .addConnection("read", "result.id", "score", "user_id")
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.score.result).toEqualTypeOf<{ score: number; user_id: string }>();
    expectTypeOf(results.tagged.result).toEqualTypeOf<"a" | "b">();
  });

  it("refuses wrong params and unsupplied required params", () => {
    // @ts-expect-error -- a string for a number param
    b().addNode(score, "s", { user_id: "u1", weight: "2" });
    // @ts-expect-error -- a value outside the picklist
    b().addNode(valibotNode, "t", { tag: "c" });
    // @ts-expect-error -- user_id is required and nothing supplies it
    b().addNode(score, "s", { weight: 2 }).build();
    // biome-ignore format: the @ts-expect-error below covers one line, so the chain stays on it
    // @ts-expect-error -- an int field cannot take the score's string user_id
    b().addNode(score, "s", { user_id: "u1" }).addNode(Order.nodes.Create, "o", { data: { user_id: "u1" } }).addConnection("s", "result.user_id", "o", "data.total");
  });
});

const b = () => new WorkflowBuilder();
