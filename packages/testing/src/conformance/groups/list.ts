import { ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness, TestContext } from "../harness.js";
import { declareItem } from "../models.js";
import { FILTER_ROWS } from "./filters.js";

async function seed(t: TestContext): Promise<void> {
  declareItem(t.db, t.table("items"));
  await t.run("Item_BulkCreate", { data: FILTER_ROWS });
}

const ids = (out: { result: Array<{ id: string }> }) => out.result.map((r) => r.id);

export function listTests(h: Harness): void {
  describe("List: order, pages, selection", () => {
    h.test("default order is by id", async (t) => {
      await seed(t);
      expect(ids(await t.run("Item_List", {}))).toEqual(["a", "b", "c", "d", "e"]);
    });

    h.test("text orders by code point (binary collation)", async (t) => {
      await seed(t);
      expect(ids(await t.run("Item_List", { orderBy: "name" }))).toEqual(["b", "a", "e", "d", "c"]);
    });

    h.test("every orderBy form; NULLs sort after every value", async (t) => {
      await seed(t);
      expect(ids(await t.run("Item_List", { orderBy: "qty" }))).toEqual(["a", "b", "c", "e", "d"]);
      expect(ids(await t.run("Item_List", { orderBy: "-qty" }))).toEqual(["d", "e", "c", "b", "a"]);
      expect(ids(await t.run("Item_List", { orderBy: { qty: "desc" } }))).toEqual(["d", "e", "c", "b", "a"]);
      expect(ids(await t.run("Item_List", { orderBy: ["-active", "name"] }))).toEqual(["a", "d", "c", "b", "e"]);
    });

    h.test("limit and offset", async (t) => {
      await seed(t);
      const page = await t.run("Item_List", { orderBy: "id", limit: 2, offset: 1 });
      expect(ids(page)).toEqual(["b", "c"]);
      expect(page.count).toBe(2);
      expect(ids(await t.run("Item_List", { orderBy: "id", offset: 3 }))).toEqual(["d", "e"]);
      expect(ids(await t.run("Item_List", { limit: 0 }))).toEqual([]);
    });

    h.test("select returns only the chosen fields", async (t) => {
      await seed(t);
      const { result } = await t.run("Item_List", { select: ["name", "qty"], filter: { id: "a" } });
      expect(result).toEqual([{ name: "alpha", qty: 1 }]);
    });

    h.test("keyset pagination walks every row exactly once, in order", async (t) => {
      declareItem(t.db, t.table("items"));
      const rows = Array.from({ length: 23 }, (_, i) => ({ id: `k${String(i).padStart(2, "0")}`, name: `n${i % 5}`, qty: i % 4 === 0 ? null : i % 7 }));
      await t.run("Item_BulkCreate", { data: rows });
      for (const orderBy of [["-qty", "name"], ["qty"], "name", "-id"] as const) {
        const all = ids(await t.run("Item_List", { orderBy }));
        expect(all).toHaveLength(23);
        const walked: string[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 20; guard++) {
          const page = await t.run("Item_List", { orderBy, limit: 4, ...(after ? { after } : {}) });
          walked.push(...ids(page));
          after = page.nextCursor;
          if (!after) break;
        }
        expect(walked, `orderBy ${JSON.stringify(orderBy)}`).toEqual(all);
      }
    });

    h.test("a cursor is rejected with another orderBy or together with offset", async (t) => {
      await seed(t);
      const { nextCursor } = await t.run("Item_List", { orderBy: "name", limit: 2 });
      expect(typeof nextCursor).toBe("string");
      await t.fails("Item_List", { orderBy: "qty", limit: 2, after: nextCursor }, ValidationError);
      await t.fails("Item_List", { orderBy: "name", limit: 2, after: nextCursor, offset: 1 }, ValidationError);
      await t.fails("Item_List", { orderBy: "name", after: "not-a-cursor" }, ValidationError);
    });
  });
}
