import { afterEach, describe, expect, it } from "vitest";
import type { DataFlow } from "../src/index.js";
import { DataFlow as DataFlowClass, NotFoundError, ValidationError, WorkflowBuilder, field } from "../src/index.js";
import type { BaseAdapter } from "../src/plugin-api.js";
import { definePlugin, MODEL_OPERATIONS } from "../src/plugin-api.js";

class NoDatabase implements BaseAdapter {
  readonly adapterType = "test";
  readonly databaseType = "none";
  readonly capabilities = { transactions: false, savepoints: false, returning: false, upsert: false, json: false, vector: false, streaming: false };
  async connect() {}
  async close() {}
  async healthCheck() {
    return { ok: true, latencyMs: 0 };
  }
  async ensureSchema() {}
  stats() {
    return { connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} };
  }
}

/** Every model operation as a node that echoes the params it ran with. */
const echo = definePlugin({
  name: "echo",
  kernel: "^1",
  adapters: [{ schemes: ["echo"], create: () => new NoDatabase() }],
  modelNodes: (model) =>
    MODEL_OPERATIONS.map((op) => ({
      type: model.nodeType(op),
      params: op === "Create" ? { data: { type: "object", required: true } } : { data: { type: "object" }, filter: { type: "object" }, id: { type: "any" } },
      run: (params: Record<string, unknown>) => ({ result: params }),
    })),
});

let db: DataFlow | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

function users(): DataFlow {
  db = new DataFlowClass({ url: "echo://", plugins: [echo] });
  db.model("User", { id: field.string(), email: field.string().unique(), age: field.int().optional(), active: field.boolean().default(true) });
  return db;
}

describe("db.getWorkflows()", () => {
  it("has one workflow per model operation, its inputs the node's params", () => {
    const wfs = users().getWorkflows();
    expect(wfs.names).toEqual(MODEL_OPERATIONS.map((op) => `User_${op}`));
    const create = wfs.get("User_Create");
    expect(create.access).toBe("write");
    expect(create.inputs.map((i) => i.name)).toEqual(["data"]);
    expect(create.inputSchema).toMatchObject({ type: "object", required: ["data"] });
    const data = (create.inputSchema.properties as Record<string, any>).data;
    expect(data.required).toEqual(["id", "email"]);
    expect(data.properties.age).toEqual({ type: ["integer", "null"] });
    expect(data.additionalProperties).toBe(false);
    const out = (create.outputSchema.properties as Record<string, any>).create;
    expect(out.properties.result.properties.created_at).toEqual({ type: "string", format: "date-time" });
    expect(wfs.get("User_List").access).toBe("read");
    expect(wfs.get("User_BulkDelete").access).toBe("delete");
  });

  it("runs a generated workflow with its inputs and refuses unknown ones with a hint", async () => {
    const wfs = users().getWorkflows();
    const { results } = await wfs.execute("User_Create", { data: { id: "u1", email: "a@x" } });
    expect(results.create.result).toEqual({ data: { id: "u1", email: "a@x" } });
    await expect(wfs.execute("User_Create", { dta: {} })).rejects.toMatchObject({ name: "ValidationError", field: "dta" });
    await expect(wfs.execute("User_Create", { dta: {} })).rejects.toThrow(/did you mean 'data'/i);
    await expect(wfs.execute("User_Create", {})).rejects.toMatchObject({ field: "data" });
    await expect(wfs.execute("User_Craete", {})).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("db.registerWorkflow()", () => {
  it("maps each input to the node params it names and nothing else", async () => {
    const db = users();
    const wf = new WorkflowBuilder({ dataflow: db })
      .addNode("User_Create", "create", { data: { active: false } })
      .addNode("User_Read", "read", { filter: {} })
      .addDependency("create", "read")
      .build();
    const named = db.registerWorkflow("signup", wf, { inputs: { email: "create.data.email", id: ["create.data.id", "read.id"] } });
    expect(named.access).toBe("write");
    expect(named.inputSchema).toMatchObject({ required: ["email", "id"], properties: { email: { type: "string", maxLength: 255 } } });
    const wfs = db.getWorkflows();
    expect(wfs.has("signup")).toBe(true);
    const { results } = await wfs.execute("signup", { email: "b@x", id: "u2" });
    expect(results.create.result).toEqual({ data: { active: false, email: "b@x", id: "u2" } });
    expect(results.read.result).toEqual({ filter: {}, id: "u2" });
  });

  it("takes the builder, so the params the inputs set may be left out, and requires those inputs", async () => {
    const db = users();
    const builder = new WorkflowBuilder({ dataflow: db }).addNode("User_Create", "create", {}) as unknown as WorkflowBuilder;
    const named = db.registerWorkflow("join", builder, { inputs: { id: "create.data.id", email: "create.data.email", age: "create.data.age" } });
    expect(named.inputs.map((i) => [i.name, i.required])).toEqual([
      ["id", true],
      ["email", true],
      ["age", false],
    ]);
    await expect(db.getWorkflows().execute("join", { id: "u3" })).rejects.toMatchObject({ field: "email" });
    const { results } = await db.getWorkflows().execute("join", { id: "u3", email: "c@x" });
    expect(results.create.result).toEqual({ data: { id: "u3", email: "c@x" } });
    expect(() => new WorkflowBuilder({ dataflow: db }).addNode("User_Create", "create", {}).build()).toThrow(/missing required parameter 'data'/);
  });

  it("sets an input inside a param a connection also writes into, keeping both", async () => {
    const db = users();
    const builder = new WorkflowBuilder({ dataflow: db })
      .addNode("User_Create", "create", {})
      .addNode("User_Read", "read", {})
      .addConnection("create", "result.data.id", "read", "filter.id") as unknown as WorkflowBuilder;
    db.registerWorkflow("chain", builder, { inputs: { id: "create.data.id", active: "read.filter.active" } });
    const { results } = await db.getWorkflows().execute("chain", { id: "u9", active: true });
    expect(results.read.result).toEqual({ filter: { active: true, id: "u9" } });
  });

  it("refuses a target node or param the workflow does not have, and a taken name", () => {
    const db = users();
    const wf = new WorkflowBuilder({ dataflow: db }).addNode("User_Create", "create", { data: {} }).build();
    expect(() => db.registerWorkflow("a", wf, { inputs: { email: "craete.data.email" } })).toThrow(/did you mean 'create'/i);
    expect(() => db.registerWorkflow("a", wf, { inputs: { email: "create.dta.email" } })).toThrow(ValidationError);
    expect(() => db.registerWorkflow("User_Create", wf)).toThrow(/already exists/);
    expect(() => db.registerWorkflow("bad name", wf)).toThrow(/not valid/);
  });
});
