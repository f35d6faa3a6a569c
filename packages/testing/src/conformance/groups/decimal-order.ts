import { field } from "@dataflow/kernel";
import { describe, expect } from "vitest";
import type { Harness, TestContext } from "../harness.js";

/** Values chosen so text order, float order and numeric order all differ; two differ only in the 38th digit. */
const AMOUNTS: Record<string, string> = {
  a: "100",
  b: "19.99",
  c: "9.5",
  d: "5",
  e: "-0.5",
  f: "-0.55",
  g: "-12",
  h: "0",
  i: "1234567890123456789012345678.0000000001",
  j: "1234567890123456789012345678.0000000002",
  k: "-1234567890123456789012345678.0000000001",
  l: "0.0000000001",
};
/** The ids in numeric order of AMOUNTS, smallest first. */
const ASCENDING = ["k", "g", "f", "e", "h", "l", "d", "c", "b", "a", "i", "j"];

function declareLedger(t: TestContext) {
  t.db.model("Entry", { id: field.string(), amount: field.decimal({ precision: 38, scale: 10 }) }, { table: t.table("entries") });
}

async function seed(t: TestContext): Promise<void> {
  declareLedger(t);
  await t.run("Entry_BulkCreate", { data: Object.entries(AMOUNTS).map(([id, amount]) => ({ id, amount })) });
}

const ids = (out: { result: Array<{ id: string }> }) => out.result.map((r) => r.id);
const sorted = (list: string[]) => [...list].sort((x, y) => ASCENDING.indexOf(x) - ASCENDING.indexOf(y));

export function decimalOrderTests(h: Harness): void {
  describe("decimal: numeric, exact order and comparison", () => {
    h.test("orderBy a decimal is numeric, ascending and descending", async (t) => {
      await seed(t);
      expect(ids(await t.run("Entry_List", { orderBy: "amount" }))).toEqual(ASCENDING);
      expect(ids(await t.run("Entry_List", { orderBy: "-amount" }))).toEqual([...ASCENDING].reverse());
    });

    h.test("range filters and equality on a decimal are numeric and exact", async (t) => {
      await seed(t);
      const run = async (amount: unknown) => sorted(ids(await t.run("Entry_List", { filter: { amount } })));
      expect(await run({ $gt: "9.5" })).toEqual(["b", "a", "i", "j"]);
      expect(await run({ $gte: "9.5" })).toEqual(["c", "b", "a", "i", "j"]);
      expect(await run({ $lt: "-0.5" })).toEqual(["k", "g", "f"]);
      expect(await run({ $lte: "-0.5" })).toEqual(["k", "g", "f", "e"]);
      expect(await run({ $gt: "1234567890123456789012345678.0000000001" })).toEqual(["j"]);
      expect(await run({ $gt: "0", $lt: "0.0000000002" })).toEqual(["l"]);
      expect(await run("9.50")).toEqual(["c"]);
      expect(await run({ $in: ["100.0", "-0.55", "1234567890123456789012345678.0000000002"] })).toEqual(["f", "a", "j"]);
      expect(await run({ $nin: ["100", "5", "0"] })).toEqual(ASCENDING.filter((id) => !["a", "d", "h"].includes(id)));
    });

    h.test("keyset pagination on a decimal column walks numeric order", async (t) => {
      await seed(t);
      for (const orderBy of ["amount", "-amount"]) {
        const walked: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await t.run("Entry_List", { orderBy, limit: 5, ...(after ? { after } : {}) });
          walked.push(...ids(page));
          after = page.nextCursor;
          if (!after) break;
        }
        expect(walked, orderBy).toEqual(orderBy === "amount" ? ASCENDING : [...ASCENDING].reverse());
      }
    });
  });
}
