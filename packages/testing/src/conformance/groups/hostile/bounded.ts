import { ValidationError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import { bounded, expectBoundedError } from "./expect.js";

const MB = 1024 * 1024;

/** Patterns a backtracking engine needs exponential time for against 34 'a's and a '!'. */
const CATASTROPHIC = ["^(a+)+$", "^(a|a)+$", "^(a*)*$", "^((a+)+)+$", "^(a|aa)+$"];

/** A name of `size` characters no model, node or parameter has. */
const hugeName = (size: number, letter = "q") => letter.repeat(size);

/** Issue class 6: work that used to block the process for seconds finishes far below that, or is refused. */
export function boundedWorkTests(h: Harness): void {
  h.test("hostile: catastrophic $regex patterns finish in bounded time or are refused", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_BulkCreate", {
      data: [
        { id: "evil", name: `${"a".repeat(34)}!` },
        { id: "match", name: "a".repeat(35) },
        { id: "other", name: "b" },
      ],
    });
    for (const pattern of CATASTROPHIC) {
      const what = `$regex ${pattern}`;
      const result = await bounded(t, "node", { table, type: "Item_Count", params: { filter: { name: { $regex: pattern } } } }, what);
      if (!result) continue;
      if (result.outcome.ok) {
        expect.soft((result.outcome.value as { result: number }).result, `${what}: only the 35 'a's match`).toBe(1);
      } else {
        const error = expectBoundedError(result, ValidationError, `${what} (refused)`);
        expect.soft(error?.field, what).toBe("filter.name.$regex");
      }
    }
    expect(await t.oracle.count(table)).toBe(3);
  });

  h.test("hostile: unknown names of megabytes get a short error in bounded time", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    const big = hugeName(10 * MB);
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ["Item_Create", { data: { id: "h", name: "h", [big]: 1 } }, "data.", "10 MB unknown field in data"],
      ["Item_Create", { data: { id: "h", name: "h", [`nam${hugeName(MB, "e")}`]: 1 } }, "data.", "1 MB near-miss of a field in data"],
      ["Item_Count", { filter: { [big]: 1 } }, "filter.", "10 MB unknown field in a filter"],
      ["Item_Count", { filter: { $or: [{ name: "x" }, { [hugeName(MB)]: 1 }] } }, "filter.", "1 MB unknown field in $or"],
      ["Item_Count", { filter: { name: { [`$${hugeName(MB, "r")}`]: "x" } } }, "filter.name", "1 MB unknown operator"],
      ["Item_Count", { filter: { [`$${hugeName(MB, "o")}`]: [] } }, "filter", "1 MB unknown logical operator"],
      ["Item_List", { orderBy: `-${hugeName(MB)}` }, "orderBy", "1 MB orderBy field"],
      ["Item_List", { select: ["name", hugeName(MB)] }, "select", "1 MB select field"],
      ["Item_Update", { id: "h", fields: { [hugeName(MB)]: 1 } }, "fields.", "1 MB unknown field in update fields"],
      ["Item_BulkUpsert", { data: [{ id: "h", name: "h" }], conflictOn: [hugeName(MB)] }, "conflictOn", "1 MB conflictOn field"],
    ];
    for (const [type, params, fieldPrefix, what] of cases) {
      const result = await bounded(t, "node", { table, type, params }, what);
      const error = result && expectBoundedError(result, ValidationError, what);
      if (error)
        expect
          .soft(error.field?.startsWith(fieldPrefix), `${what}: error.field ${JSON.stringify(error.field?.slice(0, 60))} names ${fieldPrefix}...`)
          .toBe(true);
    }
    expect(await t.oracle.count(table)).toBe(0);
  });

  h.test("hostile: unknown node types and parameters of megabytes get a short error in bounded time", async (t) => {
    const table = t.table("items");
    const cases: Array<[string, Array<{ type: string; id: string; params?: Record<string, unknown> }>, string]> = [
      ["1 MB unknown node type", [{ type: hugeName(MB), id: "n" }], ""],
      ["1 MB near-miss of a node type", [{ type: `Item_Coun${hugeName(MB, "t")}`, id: "n" }], ""],
      ["10 MB unknown node type", [{ type: hugeName(10 * MB, "Z"), id: "n" }], ""],
      ["1 MB unknown parameter", [{ type: "Item_Count", id: "n", params: { [hugeName(MB, "f")]: {} } }], "f"],
      ["1 MB near-miss of a parameter", [{ type: "Item_List", id: "n", params: { [`orderB${hugeName(MB, "y")}`]: "id" } }], "orderB"],
    ];
    for (const [what, nodes, fieldPrefix] of cases) {
      const result = await bounded(t, "build", { table, nodes }, what);
      const error = result && expectBoundedError(result, ValidationError, what);
      if (error && fieldPrefix) expect.soft(error.field?.startsWith(fieldPrefix), `${what}: error.field names the parameter`).toBe(true);
    }
  });
}
