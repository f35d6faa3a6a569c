import { afterEach, describe, expect, it } from "vitest";
import type { DataFlow } from "../src/index.js";
import { WorkflowBuilder, WorkflowValidationError, defineNode, field, registerNode } from "../src/index.js";
import { testDataFlow } from "./fixtures.js";

const open: DataFlow[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});
function withUser() {
  const db = testDataFlow();
  open.push(db);
  db.model("User", { name: field.string() });
  return db;
}

describe("WorkflowBuilder.build() validation", () => {
  it("unknown node type, with suggestions", () => {
    withUser();
    const wf = new WorkflowBuilder().addNode("User_Creat", "c", { data: {} });
    expect(() => wf.build()).toThrow(/Unknown node type 'User_Creat'. Did you mean 'User_Create'/);
  });

  it("reference-style aliases resolve to the same node", () => {
    withUser();
    const wf = new WorkflowBuilder().addNode("UserCreateNode", "c", { data: {} }).build();
    expect(wf.resolved[0]!.def.type).toBe("User_Create");
  });

  it("duplicate node ids and invalid ids", () => {
    const wf = new WorkflowBuilder().addNode("User_Create", "c");
    expect(() => wf.addNode("User_Create", "c")).toThrow(/Duplicate node id 'c'/);
    expect(() => wf.addNode("User_Create", "__proto__")).toThrow(WorkflowValidationError);
    expect(() => wf.addNode("User_Create", "has space")).toThrow(WorkflowValidationError);
  });

  it("cycles, naming the path", () => {
    withUser();
    const wf = new WorkflowBuilder()
      .addNode("User_List", "a")
      .addNode("User_List", "b")
      .addNode("User_List", "c")
      .addDependency("a", "b")
      .addDependency("b", "c")
      .addDependency("c", "a");
    expect(() => wf.build()).toThrow(/cycle: .*a.*b.*c/);
  });

  it("connections to missing nodes or unknown inputs", () => {
    withUser();
    // @ts-expect-error -- the compiler refuses the unknown node id too; this checks the runtime refusal
    const missing = new WorkflowBuilder().addNode("User_List", "a").addConnection("a", "result", "ghost", "filter");
    expect(() => missing.build()).toThrow(/'ghost' is not a node/);
    const badInput = new WorkflowBuilder().addNode("User_List", "a").addNode("User_Create", "b", { data: {} }).addConnection("a", "result", "b", "dta.x");
    expect(() => badInput.build()).toThrow(/unknown parameter 'dta'. Did you mean 'data'/);
    expect(() => new WorkflowBuilder().addConnection("a", "result.__proto__", "b", "data")).toThrow(/reserved segment/);
  });

  it("unknown params with a did-you-mean hint", () => {
    const db = withUser();
    db.registerNode(defineNode({ type: "Lister", params: { orderBy: {}, limit: { type: "integer" } }, run: () => ({}) }));
    expect(() => new WorkflowBuilder().addNode("Lister", "l", { order_by: "name" }).build()).toThrow(/unknown parameter 'order_by'. Did you mean 'orderBy'/);
  });

  it("missing required params unless a connection provides them", () => {
    withUser();
    expect(() => new WorkflowBuilder().addNode("User_Create", "c").build()).toThrow(/missing required parameter 'data'/);
    const ok = new WorkflowBuilder().addNode("User_List", "l").addNode("User_Create", "c").addConnection("l", "result", "c", "data.name");
    expect(() => ok.build()).not.toThrow();
  });

  it("orders nodes topologically", () => {
    registerNode(defineNode({ type: "Noop", params: {}, run: () => ({}) }));
    const wf = new WorkflowBuilder().addNode("Noop", "c").addNode("Noop", "b").addNode("Noop", "a").addDependency("a", "b").addDependency("b", "c").build();
    expect(wf.nodes.map((n) => n.id)).toEqual(["a", "b", "c"]);
  });
});
