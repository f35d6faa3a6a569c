import { field } from "@dataflow/kernel";
import { InvalidIdentifierError, ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { declareItem } from "../models.js";

export function badInputTests(h: Harness): void {
  describe("bad input: typed errors, nothing written", () => {
    h.test("wrong value types are rejected before any write", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const bad: Array<[string, Record<string, unknown>]> = [
        ["string for int", { qty: "5" }],
        ["object for string", { note: { x: 1 } }],
        ["NaN", { price: Number.NaN }],
        ["Infinity", { price: Number.POSITIVE_INFINITY }],
        ["fraction for int", { qty: 1.5 }],
        ["unsafe integer for int", { qty: 2 ** 53 }],
        ["string for boolean", { active: "true" }],
        ["invalid date", { seen_at: new Date("nope") }],
        ["bad date string", { day: "2024-02-30" }],
        ["bad uuid", { ref: "not-a-uuid" }],
        ["enum outside its values", { status: "archived" }],
        ["bigint beyond 64 bits", { big: 2n ** 63n }],
        ["NUL in text", { note: "a\u0000b" }],
        ["lone surrogate", { note: "a\uD800b" }],
        ["undefined value", { note: undefined }],
      ];
      for (const [title, extra] of bad) {
        const error = await t.fails("Item_Create", { data: { id: "v", name: "v", ...extra } }, ValidationError);
        const key = Object.keys(extra)[0]!;
        expect(error.message, title).toContain(`data.${key}`);
      }
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("unknown fields in data, fields, filter, orderBy and select are rejected with a hint", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_Create", { data: { id: "u", name: "n" } });
      expect((await t.fails("Item_Create", { data: { id: "u2", name: "n", nmae: "x" } }, ValidationError)).message).toMatch(/Did you mean 'name'/);
      await t.fails("Item_Update", { id: "u", fields: { bogus: 1 } }, ValidationError);
      expect((await t.fails("Item_List", { filter: { nam: "n" } }, ValidationError)).message).toMatch(/'name'/);
      await t.fails("Item_List", { orderBy: "-nmae" }, ValidationError);
      await t.fails("Item_List", { select: ["name", "password"] }, ValidationError);
      await t.fails("Item_Update", { id: "u", fields: { created_at: new Date() } }, ValidationError);
      expect(await t.oracle.count(table)).toBe(1);
      expect((await t.oracle.rows(table))[0]!.name).toBe("n");
    });

    h.test("unknown operators and malformed filters are rejected", async (t) => {
      declareItem(t.db, t.table("items"));
      const bad: unknown[] = [
        { name: { $where: "1" } },
        { name: { $regexp: "a" } },
        { $where: "sleep(1)" },
        { $nor: [] },
        { name: { eq: "x" } },
        { name: { $gt: 1, y: 2 } },
        { qty: { $gt: "" } },
        { id: ["a", "b"] },
        { note: { $like: 5 } },
        { qty: { $in: [1, null] } },
        { qty: { $in: "1,2" } },
        { name: undefined },
        { $or: [{ name: undefined }] },
        { $or: {} },
        "name = 'x'",
        [],
      ];
      for (const filter of bad) await t.fails("Item_Count", { filter }, ValidationError);
      let deep: Record<string, unknown> = { name: "x" };
      for (let i = 0; i < 100; i++) deep = { $not: deep };
      await t.fails("Item_Count", { filter: deep }, ValidationError);
    });

    h.test("prototype keys in data and filters are rejected and pollute nothing", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const data = JSON.parse('{"id":"p1","name":"x","__proto__":{"polluted":true}}');
      await t.fails("Item_Create", { data }, ValidationError);
      await t.fails("Item_Count", { filter: JSON.parse('{"__proto__":{"polluted":true}}') }, ValidationError);
      await t.fails("Item_Count", { filter: { constructor: { prototype: { polluted: true } } } }, ValidationError);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("hostile identifiers are rejected at declaration, before any SQL", async (t) => {
      const canary = t.table("canary");
      t.db.model("Canary", { label: field.string() }, { table: canary });
      await t.run("Canary_Create", { data: { label: "alive" } });
      const hostile = [
        'x"; DROP TABLE canary; --',
        "users`; DROP",
        "a b",
        "1abc",
        "",
        "__proto__",
        "constructor",
        "users\n",
        "ｕsers",
        "x".repeat(64),
        "id) OR (1=1",
      ];
      for (const name of hostile) {
        expect(() => t.db.model("M", { [name]: field.string() }), `field ${JSON.stringify(name)}`).toThrow(InvalidIdentifierError);
        expect(() => t.db.model(name, { a: field.string() }), `model ${JSON.stringify(name)}`).toThrow(InvalidIdentifierError);
        expect(() => t.db.model("T", { a: field.string() }, { table: name }), `table ${JSON.stringify(name)}`).toThrow(InvalidIdentifierError);
      }
      expect(await t.oracle.count(canary)).toBe(1);
    });

    h.test("SQL-looking strings are stored verbatim", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const values = ["'; DROP TABLE items; --", "drop it; DELETE FROM items --", "1' OR '1'='1", "/* c */ UNION SELECT 1", "\\'\\\"`"];
      for (const [i, v] of values.entries()) await t.run("Item_Create", { data: { id: `q${i}`, name: "q", note: v } });
      expect((await t.oracle.rows(table)).map((r) => r.note)).toEqual(values);
      expect((await t.run("Item_Count", { filter: { note: { $in: values } } })).result).toBe(values.length);
    });
  });
}
