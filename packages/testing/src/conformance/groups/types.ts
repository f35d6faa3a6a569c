import { ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { sameStored } from "../harness.js";
import { declareItem } from "../models.js";

const LONG_TEXT = "lorem ipsum ✓ ".repeat(8000);

export function typeTests(h: Harness): void {
  describe("field types", () => {
    h.test("every field type round-trips with the same JS type, and is stored as given", async (t) => {
      const table = t.table("items");
      const Item = declareItem(t.db, table);
      const data = {
        id: "t1",
        name: "Zoë 😀 '; DROP TABLE x; --",
        note: LONG_TEXT,
        qty: Number.MAX_SAFE_INTEGER,
        big: 9223372036854775807n,
        price: 0.1,
        amount: "12345678901234.123456",
        active: false,
        seen_at: new Date("2024-02-29T23:59:59.999Z"),
        day: "1999-12-31",
        meta: { nested: { list: [1, "two", null, true], emoji: "🎉" }, n: -1.5 },
        tags: ["a", "b"],
        ref: "0F8FAD5B-D9CB-469F-A165-70867728950E",
        status: "done",
        email: "t1@example.com",
      };
      const created = (await t.run("Item_Create", { data })).result;
      const read = (await t.run("Item_Read", { id: "t1" })).result;
      const expected = { ...data, ref: data.ref.toLowerCase() };
      for (const row of [created, read]) {
        expect(row).toMatchObject(expected);
        expect(typeof row.big).toBe("bigint");
        expect(row.seen_at).toBeInstanceOf(Date);
        expect(typeof row.active).toBe("boolean");
      }
      const [raw] = await t.oracle.rows(table);
      for (const f of Item.fields) {
        if (f.system) continue;
        const value = (expected as Record<string, unknown>)[f.name];
        expect(sameStored(f.kind, raw![f.name], value), `stored ${f.name} (${f.kind}) = ${String(raw![f.name]).slice(0, 60)}`).toBe(true);
      }
    });

    h.test("extreme values round-trip exactly", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const rows = [
        { id: "x1", name: "min", qty: -Number.MAX_SAFE_INTEGER, big: -9223372036854775808n, price: -1e300, amount: "-99999999999999.999999" },
        { id: "x2", name: "zero", qty: 0, big: 0n, price: 0, amount: "0" },
        { id: "x3", name: "tiny", qty: 1, big: 9007199254740993n, price: 5e-324, amount: "0.000001" },
      ];
      await t.run("Item_BulkCreate", { data: rows });
      const { result } = await t.run("Item_List", { orderBy: "id" });
      expect(result.map((r: any) => [r.qty, r.big, r.price, r.amount])).toEqual(rows.map((r) => [r.qty, r.big, r.price, r.amount]));
    });

    h.test("decimals are exact and returned in canonical form", async (t) => {
      declareItem(t.db, t.table("items"));
      const { result } = await t.run("Item_Create", { data: { id: "d", name: "d", amount: "0010.500000" } });
      expect(result.amount).toBe("10.5");
      expect((await t.run("Item_Read", { id: "d" })).result.amount).toBe("10.5");
      await t.fails("Item_Create", { data: { id: "d2", name: "d", amount: "1.0000001" } }, ValidationError);
      await t.fails("Item_Create", { data: { id: "d3", name: "d", amount: "123456789012345" } }, ValidationError);
    });

    h.test("timestamps with and without offsets are the same instant", async (t) => {
      declareItem(t.db, t.table("items"));
      const withOffset = (await t.run("Item_Create", { data: { id: "o1", name: "o", seen_at: "2024-03-10T02:30:00-05:00" } })).result;
      const utc = (await t.run("Item_Create", { data: { id: "o2", name: "o", seen_at: "2024-03-10T07:30:00" } })).result;
      const z = (await t.run("Item_Create", { data: { id: "o3", name: "o", seen_at: "2024-03-10T07:30:00.000Z" } })).result;
      expect(withOffset.seen_at.toISOString()).toBe("2024-03-10T07:30:00.000Z");
      expect(utc.seen_at.toISOString()).toBe("2024-03-10T07:30:00.000Z");
      expect(z.seen_at.toISOString()).toBe("2024-03-10T07:30:00.000Z");
      expect((await t.run("Item_Count", { filter: { seen_at: new Date("2024-03-10T07:30:00Z") } })).result).toBe(3);
    });

    h.test("null, optional fields and defaults", async (t) => {
      declareItem(t.db, t.table("items"));
      const { result } = await t.run("Item_Create", { data: { id: "n1", name: "n", note: null, meta: null } });
      expect(result).toMatchObject({ note: null, meta: null, qty: null, active: true, status: "new", tags: null, seen_at: null });
      await t.fails("Item_Create", { data: { id: "n2", name: null } }, ValidationError);
    });

    h.test("a value longer than the column is an error, not a truncation", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.fails("Item_Create", { data: { id: "l1", name: "x".repeat(101) } }, ValidationError);
      const ok = (await t.run("Item_Create", { data: { id: "l2", name: "😀".repeat(100) } })).result;
      expect(ok.name).toBe("😀".repeat(100));
      expect(await t.oracle.count(table)).toBe(1);
    });
  });
}
