import { DataFlow, WorkflowBuilder, field } from "@dataflow/kernel";
import { useIsolatedDataFlow, useTestDatabase } from "@dataflow/testing";
import { afterAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import { rawQuery } from "./oracle.js";

// The TDD harness on MySQL: schema made once (outside any transaction: DDL would commit it),
// each test inside a transaction rolled back afterwards.
const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

describe.skipIf(!res.ok)("useIsolatedDataFlow (MySQL)", () => {
  const ctx = useIsolatedDataFlow({
    create: () => new DataFlow({ url, plugins: [mysql] }),
    setup: (db) => ({ Task: db.model("Task", { title: field.string(), done: field.boolean().default(false) }, { table: "tdd_tasks" }) }),
  });

  async function run(params: Array<[string, string, Record<string, unknown>]>) {
    const wf = new WorkflowBuilder({ dataflow: ctx.db });
    for (const [type, id, p] of params) wf.addNode(type, id, p);
    return (await ctx.runtime.execute(wf.build())).results;
  }

  it("a test writes rows through nodes, single, bulk and upsert; nothing is committed", async () => {
    const results = await run([
      ["Task_Create", "one", { data: { title: "write tests" } }],
      ["Task_BulkCreate", "many", { data: Array.from({ length: 50 }, (_, i) => ({ title: `t${i}` })) }],
    ]);
    expect(results.many.result.inserted).toBe(50);
    expect((await run([["Task_Upsert", "u", { where: { id: results.one.result.id }, create: { title: "x" }, update: { done: true } }]])).u.created).toBe(false);
    expect((await run([["Task_Count", "n", {}]])).n.result).toBe(51);
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM tdd_tasks")).toEqual([{ n: "0" }]);
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
