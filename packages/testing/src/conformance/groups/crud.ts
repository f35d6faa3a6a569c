import { AmbiguousMatchError, NotFoundError, UniqueViolationError, ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { declareCounter, declareItem } from "../models.js";

export function crudTests(h: Harness): void {
  describe("single-record nodes", () => {
    h.test("Create returns the persisted row with id and timestamps", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const before = Date.now();
      const { result } = await t.run("Item_Create", { data: { id: "a1", name: "Ann", qty: 3 } });
      expect(result).toMatchObject({ id: "a1", name: "Ann", qty: 3, active: true, status: "new", note: null });
      expect(result.created_at).toBeInstanceOf(Date);
      expect(result.created_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(result.updated_at.getTime()).toBe(result.created_at.getTime());
      const rows = await t.oracle.rows(table);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.id).toBe("a1");
      expect(rows[0]!.name).toBe("Ann");
    });

    h.test("string ids are preserved verbatim", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const ids = ["00123", "Ab-CD", "ü-1", "id with spaces", "1e3", "😀"];
      for (const id of ids) {
        const { result } = await t.run("Item_Create", { data: { id, name: "x" } });
        expect(result.id).toBe(id);
        expect((await t.run("Item_Read", { id })).result.id).toBe(id);
      }
      expect((await t.oracle.rows(table)).map((r) => r.id).sort()).toEqual([...ids].sort());
    });

    h.test("auto-increment ids are numbers assigned by the database", async (t) => {
      const table = t.table("counters");
      declareCounter(t.db, table);
      const a = (await t.run("Counter_Create", { data: { label: "a" } })).result;
      const b = (await t.run("Counter_Create", { data: { label: "b" } })).result;
      expect(typeof a.id).toBe("number");
      expect(b.id).toBeGreaterThan(a.id);
      expect(a.n).toBe(0);
      const rows = await t.oracle.rows(table);
      expect(rows.map((r) => Number(r.id))).toEqual([a.id, b.id]);
    });

    h.test("a string-id model created without an id fails and writes nothing", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const error = await t.fails("Item_Create", { data: { name: "no id" } }, ValidationError);
      expect(error.message).toMatch(/data\.id/);
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("Read by id and by a unique filter", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_Create", { data: { id: "r1", name: "Rita", email: "rita@example.com" } });
      expect((await t.run("Item_Read", { id: "r1" })).result.name).toBe("Rita");
      const byFilter = await t.run("Item_Read", { filter: { email: "rita@example.com" } });
      expect(byFilter).toMatchObject({ found: true, result: { id: "r1" } });
    });

    h.test("Read of a missing id raises NotFoundError, or found:false when asked", async (t) => {
      declareItem(t.db, t.table("items"));
      await t.fails("Item_Read", { id: "nope" }, NotFoundError);
      expect(await t.run("Item_Read", { id: "nope", raiseOnNotFound: false })).toEqual({ result: null, found: false });
    });

    h.test("Read, Update and Delete by a filter matching several rows fail and change nothing", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", {
        data: [
          { id: "m1", name: "same" },
          { id: "m2", name: "same" },
        ],
      });
      await t.fails("Item_Read", { filter: { name: "same" } }, AmbiguousMatchError);
      await t.fails("Item_Update", { filter: { name: "same" }, fields: { qty: 9 } }, AmbiguousMatchError);
      await t.fails("Item_Delete", { filter: { name: "same" } }, AmbiguousMatchError);
      const rows = await t.oracle.rows(table);
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.qty === null)).toBe(true);
    });

    h.test("Update by id returns the updated row and bumps updated_at", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const created = (await t.run("Item_Create", { data: { id: "u1", name: "Old", qty: 1 } })).result;
      await new Promise((r) => setTimeout(r, 5));
      const { result } = await t.run("Item_Update", { id: "u1", fields: { name: "New", qty: null } });
      expect(result).toMatchObject({ id: "u1", name: "New", qty: null });
      expect(result.updated_at.getTime()).toBeGreaterThan(created.updated_at.getTime());
      expect(result.created_at.getTime()).toBe(created.created_at.getTime());
      const [row] = await t.oracle.rows(table);
      expect(row!.name).toBe("New");
      expect(row!.qty).toBeNull();
    });

    h.test("Update by a filter that matches one row", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", {
        data: [
          { id: "f1", name: "one", email: "a@x" },
          { id: "f2", name: "two", email: "b@x" },
        ],
      });
      const { result } = await t.run("Item_Update", { filter: { email: "b@x" }, fields: { qty: 7 } });
      expect(result).toMatchObject({ id: "f2", qty: 7 });
      const rows = await t.oracle.rows(table);
      expect(rows.find((r) => r.id === "f1")!.qty).toBeNull();
      expect(Number(rows.find((r) => r.id === "f2")!.qty)).toBe(7);
    });

    h.test("Update of a missing id raises NotFoundError", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.fails("Item_Update", { id: "ghost", fields: { name: "x" } }, NotFoundError);
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("Update cannot change the primary key", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_Create", { data: { id: "k1", name: "k" } });
      await t.fails("Item_Update", { id: "k1", fields: { id: "k2" } }, ValidationError);
      expect((await t.oracle.rows(table))[0]!.id).toBe("k1");
    });

    h.test("Delete by id and by filter; a missing id raises NotFoundError", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", {
        data: [
          { id: "d1", name: "a" },
          { id: "d2", name: "b", email: "b@x" },
        ],
      });
      expect(await t.run("Item_Delete", { id: "d1" })).toEqual({ result: { id: "d1", deleted: true } });
      expect(await t.run("Item_Delete", { filter: { email: "b@x" } })).toEqual({ result: { id: "d2", deleted: true } });
      expect(await t.oracle.count(table)).toBe(0);
      await t.fails("Item_Delete", { id: "d1" }, NotFoundError);
      expect(await t.run("Item_Delete", { id: "d1", raiseOnNotFound: false })).toEqual({ result: { id: "d1", deleted: false } });
    });

    h.test("a duplicate unique value raises UniqueViolationError naming the field, not the value", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_Create", { data: { id: "e1", name: "a", email: "secret-value@example.com" } });
      const error = (await t.fails(
        "Item_Create",
        { data: { id: "e2", name: "b", email: "secret-value@example.com" } },
        UniqueViolationError,
      )) as UniqueViolationError;
      expect(error.fields).toEqual(["email"]);
      expect(error.message).not.toContain("secret-value");
      const dupId = (await t.fails("Item_Create", { data: { id: "e1", name: "c" } }, UniqueViolationError)) as UniqueViolationError;
      expect(dupId.fields).toEqual(["id"]);
      expect(await t.oracle.count(table)).toBe(1);
    });

    h.test("Count counts in the database", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      expect(await t.run("Item_Count", {})).toEqual({ result: 0 });
      await t.run("Item_BulkCreate", { data: Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, name: i % 3 === 0 ? "x" : "y", qty: i })) });
      expect((await t.run("Item_Count", {})).result).toBe(12);
      expect((await t.run("Item_Count", { filter: { name: "x" } })).result).toBe(4);
      expect((await t.run("Item_Count", { filter: { qty: { $gte: 10 } } })).result).toBe(2);
    });

    h.test("Upsert inserts, then updates, by a unique key", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const first = await t.run("Item_Upsert", { where: { email: "u@x" }, create: { id: "up1", name: "first" }, update: { name: "second" } });
      expect(first.created).toBe(true);
      expect(first.result).toMatchObject({ id: "up1", name: "first", email: "u@x" });
      const second = await t.run("Item_Upsert", { where: { email: "u@x" }, create: { id: "up2", name: "ignored" }, update: { name: "second" } });
      expect(second.created).toBe(false);
      expect(second.result).toMatchObject({ id: "up1", name: "second" });
      const third = await t.run("Item_Upsert", { where: { email: "u@x" }, create: { id: "up3", name: "ignored" }, update: { name: "second" } });
      expect(third.created).toBe(false);
      const rows = await t.oracle.rows(table);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toBe("second");
      const byId = await t.run("Item_Upsert", { where: { id: "up9" }, create: { name: "nine" }, update: { name: "nine!" } });
      expect(byId).toMatchObject({ created: true, result: { id: "up9", name: "nine" } });
    });

    h.test("Upsert on a field that is not unique is a ValidationError", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.fails("Item_Upsert", { where: { name: "n" }, create: { id: "x" }, update: {} }, ValidationError);
      expect(await t.oracle.count(table)).toBe(0);
    });
  });
}
