import type { Workflow } from "@dataflow/kernel";
import { ValidationError, WorkflowBuilder, WorkflowValidationError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import { refused, softly, thrownBy } from "./expect.js";

const cursor = (payload: unknown) => Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)).toString("base64url");

const CHAIN = 10_000;

/** Issue class 7: hostile input gets a typed error, never a raw crash, a stack overflow or a driver limit. */
export function crashTests(h: Harness): void {
  h.test("hostile: forged keyset cursors are a ValidationError naming 'after'", async (t) => {
    declareItem(t.db, t.table("items"));
    await t.run("Item_BulkCreate", { data: [1, 2, 3].map((i) => ({ id: `c${i}`, name: `n${i}`, big: BigInt(i), seen_at: new Date(Date.UTC(2024, 0, i)) })) });
    const page = await t.run("Item_List", { orderBy: "id", limit: 1 });
    expect(typeof page.nextCursor).toBe("string");
    const forged: Array<[unknown, string]> = [
      [{ k: "id", v: [{ b: "xyz" }] }, "id"],
      [{ k: "id", v: [{ b: "1.5" }] }, "id"],
      [{ k: "id", v: [{ b: "0x" }] }, "id"],
      [{ k: "id", v: [{ b: "-" }] }, "id"],
      [{ k: "big,id", v: [{ b: "12abc" }, "c1"] }, "big"],
      [{ k: "big,id", v: [{ b: "9".repeat(400) }, "c1"] }, "big"],
      [{ k: "seen_at,id", v: [{ d: "2024-02-30T00:00:00Z" }, "c1"] }, "seen_at"],
      [{ k: "seen_at,id", v: [{ d: { $gt: "" } }, "c1"] }, "seen_at"],
      ['{"k":"id","v":[{"__proto__":{"polluted":true}}]}', "id"],
      ['{"k":"id","v":[{"b":"1","__proto__":{"polluted":true}}]}', "id"],
      [{ k: "id", v: [] }, "id"],
      ["not json at all", "id"],
      [[1, 2, 3], "id"],
    ];
    for (const [payload, orderBy] of forged) {
      const after = cursor(payload);
      const what = `after = ${typeof payload === "string" ? payload : JSON.stringify(payload)}`;
      await refused(t, "Item_List", { orderBy, limit: 2, after }, ValidationError, /^after(\[\d+\])?$/, what);
    }
    await refused(t, "Item_List", { orderBy: "id", after: `${page.nextCursor}!` + "A".repeat(10_000) }, ValidationError, /^after/, "a 10 kB cursor");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const next = await t.run("Item_List", { orderBy: "id", limit: 2, after: page.nextCursor });
    expect(next.result.map((r: { id: string }) => r.id)).toEqual(["c2", "c3"]);
  });

  h.test("hostile: build() takes a 10,000-node chain in reverse order, and reports a 10,000-node cycle", async (t) => {
    declareItem(t.db, t.table("items"));
    const chain = (link: (b: WorkflowBuilder, before: string, after: string) => void, closeCycle: boolean) => {
      const b = new WorkflowBuilder({ dataflow: t.db });
      for (let i = 0; i < CHAIN; i++) b.addNode("Item_Count", `n${i}`, {});
      // Each node waits for the next one: the first node added runs last.
      for (let i = 0; i < CHAIN - 1; i++) link(b, `n${i + 1}`, `n${i}`);
      if (closeCycle) link(b, "n0", `n${CHAIN - 1}`);
      return b;
    };
    const byDependency = (b: WorkflowBuilder, before: string, after: string) => void b.addDependency(before, after);
    const byConnection = (b: WorkflowBuilder, before: string, after: string) => void b.addConnection(before, "result", after, "includeDeleted");
    for (const [what, link] of [
      ["dependencies", byDependency],
      ["connections", byConnection],
    ] as const) {
      let wf: Workflow | undefined;
      const error = thrownBy(() => (wf = chain(link, false).build()));
      expect.soft(error, `${what}: a 10,000-node chain builds, got ${String(error)}`).toBeUndefined();
      if (wf) {
        expect.soft(wf.nodes.length, what).toBe(CHAIN);
        expect.soft(wf.nodes[0]!.id, `${what}: the last node of the chain runs first`).toBe(`n${CHAIN - 1}`);
        expect.soft(wf.nodes[CHAIN - 1]!.id, what).toBe("n0");
      }
      const cycle = thrownBy(() => chain(link, true).build());
      expect.soft(cycle, `${what}: a 10,000-node cycle is a WorkflowValidationError, got ${String(cycle)}`).toBeInstanceOf(WorkflowValidationError);
      if (cycle instanceof WorkflowValidationError) expect.soft(cycle.message).toMatch(/cycle/i);
    }
  });

  h.test("hostile: $in and $nin of 100,000 values work in every node; more are refused", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_BulkCreate", { data: [0, 1, 2, 3, 4].map((i) => ({ id: `r${i}`, name: `n${i}`, qty: i * 1000 })) });
    const ids = Array.from({ length: 100_000 }, (_, i) => `v${i}`);
    ids[17] = "r1";
    ids[50_000] = "r3";
    ids[99_999] = "r4";
    const qtys = Array.from({ length: 100_000 }, (_, i) => i * 2 + 1);
    qtys[70_000] = 2000;
    const step = async (what: string, type: string, params: Record<string, unknown>, pick: (out: any) => unknown, expected: unknown) => {
      const out = await softly(what, () => t.run(type, params));
      if (out !== undefined) expect.soft(pick(out), what).toEqual(expected);
    };
    await step("Count $in", "Item_Count", { filter: { id: { $in: ids } } }, (o) => o.result, 3);
    await step("Count $nin", "Item_Count", { filter: { id: { $nin: ids } } }, (o) => o.result, 2);
    await step(
      "List $in of ints in $or",
      "Item_List",
      { filter: { $or: [{ qty: { $in: qtys } }, { id: "r0" }] }, orderBy: "id" },
      (o) => o.result.map((r: { id: string }) => r.id),
      ["r0", "r2"],
    );
    await step("BulkUpdate $in", "Item_BulkUpdate", { filter: { id: { $in: ids } }, fields: { note: "hit" } }, (o) => o.result.updated, 3);
    await step("BulkDelete $nin", "Item_BulkDelete", { filter: { id: { $nin: ids }, qty: { $nin: qtys } } }, (o) => o.result.deleted, 1);
    const tooMany = [...ids, "one more"];
    await refused(t, "Item_Count", { filter: { id: { $in: tooMany } } }, ValidationError, "filter.id.$in", "100,001 values");
    const rows = await t.oracle.rows(table);
    expect(rows.map((r) => [r.id, r.note])).toEqual([
      ["r1", "hit"],
      ["r2", null],
      ["r3", "hit"],
      ["r4", "hit"],
    ]);
  });
}
