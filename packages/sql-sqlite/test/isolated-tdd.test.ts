import { describe, expect, it } from "vitest";
import { DataFlow, WorkflowBuilder, field } from "@dataflow/kernel";
import { useIsolatedDataFlow } from "@dataflow/testing";

// The TDD harness: one database for the file, each test inside a transaction rolled back afterwards.
const ctx = useIsolatedDataFlow({
  create: () => new DataFlow("sqlite::memory:"),
  setup: (db) => ({ Task: db.model("Task", { title: field.string(), done: field.boolean().default(false) }) }),
});

async function run(params: Array<[string, string, Record<string, unknown>]>) {
  const wf = new WorkflowBuilder({ dataflow: ctx.db });
  for (const [type, id, p] of params) wf.addNode(type, id, p);
  return (await ctx.runtime.execute(wf.build())).results;
}

describe("useIsolatedDataFlow (SQLite)", () => {
  it("a test writes rows through nodes, single and bulk", async () => {
    const results = await run([
      ["Task_Create", "one", { data: { title: "write tests" } }],
      ["Task_BulkCreate", "many", { data: Array.from({ length: 50 }, (_, i) => ({ title: `t${i}` })) }],
    ]);
    expect(results.many.result.inserted).toBe(50);
    expect((await run([["Task_Count", "n", {}]])).n.result).toBe(51);
  });

  it("the next test starts from an empty table", async () => {
    expect((await run([["Task_Count", "n", {}]])).n.result).toBe(0);
    await run([["Task_Create", "one", { data: { title: "only mine" } }]]);
    expect((await run([["Task_List", "l", {}]])).l.result.map((t: { title: string }) => t.title)).toEqual(["only mine"]);
  });

  it("and so does the one after it", async () => {
    expect((await run([["Task_Count", "n", {}]])).n.result).toBe(0);
  });
});
