import { describe, expect } from "vitest";
import type { Harness, TestContext } from "../harness.js";
import { declareItem } from "../models.js";

export const FILTER_ROWS = [
  {
    id: "a",
    name: "alpha",
    qty: 1,
    price: 1.5,
    active: true,
    tags: ["x", "y"],
    note: null,
    status: "new",
    seen_at: "2024-01-01T00:00:00Z",
    big: 10n,
    amount: "1.5",
  },
  {
    id: "b",
    name: "Beta",
    qty: 2,
    price: 2.5,
    active: false,
    tags: ["y"],
    note: "hello world",
    status: "done",
    seen_at: "2024-06-01T00:00:00Z",
    big: 20n,
    amount: "2",
  },
  { id: "c", name: "gamma", qty: 3, price: null, active: true, tags: [], note: "100% sure_thing", status: "new", seen_at: null, big: null, amount: null },
  {
    id: "d",
    name: "delta",
    qty: null,
    price: 4.5,
    active: true,
    tags: null,
    note: "Hello",
    status: "done",
    seen_at: "2025-01-01T00:00:00Z",
    big: 9007199254740993n,
    amount: "-3.25",
  },
  {
    id: "e",
    name: "alphabet",
    qty: 10,
    price: 0,
    active: false,
    tags: ["x"],
    note: "a\\b",
    status: "new",
    seen_at: "2023-12-31T23:59:59.999Z",
    big: -5n,
    amount: "100",
  },
];

/** [title, filter, ids expected]. NULL never satisfies a comparison (SQL semantics, on every database). */
export const FILTER_CASES: Array<[string, Record<string, unknown>, string[]]> = [
  ["implicit equality", { name: "alpha" }, ["a"]],
  ["$eq", { name: { $eq: "alpha" } }, ["a"]],
  ["$ne (NULLs excluded)", { name: { $ne: "alpha" } }, ["b", "c", "d", "e"]],
  ["$gt", { qty: { $gt: 2 } }, ["c", "e"]],
  ["$gte", { qty: { $gte: 2 } }, ["b", "c", "e"]],
  ["$lt", { qty: { $lt: 3 } }, ["a", "b"]],
  ["two operators on one field", { qty: { $lte: 3, $gte: 2 } }, ["b", "c"]],
  ["null equality", { qty: null }, ["d"]],
  ["$eq null", { qty: { $eq: null } }, ["d"]],
  ["$ne null", { qty: { $ne: null } }, ["a", "b", "c", "e"]],
  ["$null true", { qty: { $null: true } }, ["d"]],
  ["$null false", { qty: { $null: false } }, ["a", "b", "c", "e"]],
  ["$exists true", { qty: { $exists: true } }, ["a", "b", "c", "e"]],
  ["$exists false", { qty: { $exists: false } }, ["d"]],
  ["$in", { qty: { $in: [1, 3, 99] } }, ["a", "c"]],
  ["$in empty matches nothing", { qty: { $in: [] } }, []],
  ["$nin (NULLs excluded)", { qty: { $nin: [1, 3] } }, ["b", "e"]],
  ["$nin empty matches everything", { qty: { $nin: [] } }, ["a", "b", "c", "d", "e"]],
  ["$in on strings", { name: { $in: ["Beta", "delta", "nobody"] } }, ["b", "d"]],
  ["$like prefix", { name: { $like: "alpha%" } }, ["a", "e"]],
  ["$like is case-sensitive", { name: { $like: "Alpha%" } }, []],
  ["$ilike is case-insensitive", { name: { $ilike: "ALPHA%" } }, ["a", "e"]],
  ["$like single-character wildcard", { name: { $like: "_eta" } }, ["b"]],
  ["$like with an escaped %", { note: { $like: "100\\%%" } }, ["c"]],
  ["$contains on text matches % literally", { note: { $contains: "%" } }, ["c"]],
  ["$contains on text matches _ literally", { note: { $contains: "_" } }, ["c"]],
  ["$contains on text matches \\ literally", { note: { $contains: "\\" } }, ["e"]],
  ["$contains on text is case-sensitive", { note: { $contains: "hello" } }, ["b"]],
  ["$regex", { name: { $regex: "^[ab]" } }, ["a", "e"]],
  ["$contains on a JSON array", { tags: { $contains: "x" } }, ["a", "e"]],
  ["$contains on a JSON array (second element)", { tags: { $contains: "y" } }, ["a", "b"]],
  ["boolean true", { active: true }, ["a", "c", "d"]],
  ["boolean false", { active: false }, ["b", "e"]],
  ["enum", { status: "done" }, ["b", "d"]],
  ["datetime $gte with a Date", { seen_at: { $gte: new Date("2024-01-01T00:00:00Z") } }, ["a", "b", "d"]],
  ["datetime $lt with an ISO string", { seen_at: { $lt: "2024-01-01T00:00:00Z" } }, ["e"]],
  ["bigint beyond 2^53", { big: { $gt: 9007199254740992n } }, ["d"]],
  ["bigint negative", { big: { $lt: 0 } }, ["e"]],
  ["float", { price: { $gt: 1 } }, ["a", "b", "d"]],
  ["decimal compares numerically", { amount: { $gt: "1.9" } }, ["b", "e"]],
  ["decimal negative", { amount: { $lt: 0 } }, ["d"]],
  ["$or", { $or: [{ name: "alpha" }, { qty: { $gt: 5 } }] }, ["a", "e"]],
  ["$and", { $and: [{ active: true }, { qty: { $ne: null } }] }, ["a", "c"]],
  ["top-level $not", { $not: { active: true } }, ["b", "e"]],
  ["field-level $not (NULL stays excluded)", { qty: { $not: { $gt: 2 } } }, ["a", "b"]],
  ["$and empty is true", { $and: [] }, ["a", "b", "c", "d", "e"]],
  ["$or empty is false", { $or: [] }, []],
  [
    "nested $or/$and/$not three levels deep",
    { $or: [{ $and: [{ active: true }, { $not: { name: { $like: "%ta" } } }] }, { status: "done", qty: 2 }] },
    ["a", "b", "c"],
  ],
  ["nested $not of $or", { $or: [{ qty: 1 }, { $and: [{ qty: { $gte: 10 } }, { $not: { $or: [{ active: true }, { name: "zzz" }] } }] }] }, ["a", "e"]],
];

async function seed(t: TestContext): Promise<void> {
  declareItem(t.db, t.table("items"));
  await t.run("Item_BulkCreate", { data: FILTER_ROWS });
}

export function filterTests(h: Harness): void {
  describe("filter language", () => {
    h.test("every operator, in List and Count, matches the same rows", async (t) => {
      await seed(t);
      const failures: string[] = [];
      for (const [title, filter, ids] of FILTER_CASES) {
        const listed = ((await t.run("Item_List", { filter, orderBy: "id" })).result as Array<{ id: string }>).map((r) => r.id);
        const counted = (await t.run("Item_Count", { filter })).result;
        if (JSON.stringify(listed) !== JSON.stringify(ids) || counted !== ids.length) {
          failures.push(`${title}: expected ${JSON.stringify(ids)}, List gave ${JSON.stringify(listed)}, Count gave ${counted}`);
        }
      }
      expect(failures).toEqual([]);
    });

    h.test("BulkUpdate and BulkDelete use the same filter language", async (t) => {
      await seed(t);
      const updated = await t.run("Item_BulkUpdate", { filter: { $or: [{ name: { $like: "alpha%" } }, { qty: null }] }, fields: { status: "done" } });
      expect(updated).toEqual({ result: { updated: 3 } });
      const deleted = await t.run("Item_BulkDelete", { filter: { tags: { $contains: "y" } } });
      expect(deleted).toEqual({ result: { deleted: 2 } });
      const rows = await t.oracle.rows(t.db.models.get("Item")!.table);
      expect(rows.map((r) => [r.id, r.status])).toEqual([
        ["c", "new"],
        ["d", "done"],
        ["e", "done"],
      ]);
    });

    h.test("large $in lists are bound, not inlined", async (t) => {
      await seed(t);
      const names = Array.from({ length: 5000 }, (_, i) => `n${i}`).concat(["gamma"]);
      expect((await t.run("Item_Count", { filter: { name: { $in: names } } })).result).toBe(1);
    });
  });
}
