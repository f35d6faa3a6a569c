import { UniqueViolationError, ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { declareCounter, declareItem } from "../models.js";

const rows = (n: number, prefix = "r") => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: `name ${i}`, qty: i, email: `${prefix}${i}@x` }));

export function bulkTests(h: Harness): void {
  describe("bulk nodes", () => {
    h.test("BulkCreate writes every row, in batches", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const out = await t.run("Item_BulkCreate", { data: rows(2500), batchSize: 700 });
      expect(out).toEqual({ result: { inserted: 2500, skipped: 0, updated: 0 } });
      expect(await t.oracle.count(table)).toBe(2500);
    });

    h.test("BulkCreate of auto-id rows", async (t) => {
      const table = t.table("counters");
      declareCounter(t.db, table);
      const out = await t.run("Counter_BulkCreate", { data: Array.from({ length: 300 }, (_, i) => ({ label: `l${i}`, n: i })) });
      expect(out.result.inserted).toBe(300);
      const raw = await t.oracle.rows(table);
      expect(new Set(raw.map((r) => String(r.id))).size).toBe(300);
    });

    h.test("BulkCreate with one invalid row fails whole and writes nothing", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const data: Array<Record<string, unknown>> = rows(50);
      data[37] = { ...data[37], qty: "seven" };
      const error = await t.fails("Item_BulkCreate", { data }, ValidationError);
      expect(error.message).toContain("data[37].qty");
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("BulkCreate that hits a duplicate mid-way leaves no row of the node", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_Create", { data: { id: "taken", name: "x", email: "r450@x" } });
      await t.fails("Item_BulkCreate", { data: rows(600), batchSize: 100 }, UniqueViolationError);
      expect(await t.oracle.count(table)).toBe(1);
    });

    h.test("BulkCreate onConflict skip and update report exact counts", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", { data: rows(10) });
      const next = rows(15).map((r) => ({ ...r, name: `new ${r.id}` }));
      expect(await t.run("Item_BulkCreate", { data: next, onConflict: "skip" })).toEqual({ result: { inserted: 5, skipped: 10, updated: 0 } });
      const again = rows(20).map((r) => ({ ...r, name: `v3 ${r.id}` }));
      expect(await t.run("Item_BulkCreate", { data: again, onConflict: "update", conflictOn: ["id"] })).toEqual({
        result: { inserted: 5, skipped: 0, updated: 15 },
      });
      const raw = await t.oracle.rows(table);
      expect(raw).toHaveLength(20);
      expect(raw.every((r) => String(r.name).startsWith("v3 "))).toBe(true);
    });

    h.test("BulkUpsert inserts and updates by a unique key", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", { data: rows(4) });
      const data = rows(6).map((r) => ({ ...r, id: `other-${r.id}`, qty: 100 }));
      expect(await t.run("Item_BulkUpsert", { data, conflictOn: ["email"], update: ["qty"] })).toEqual({ result: { inserted: 2, updated: 4 } });
      const raw = await t.oracle.rows(table);
      expect(raw).toHaveLength(6);
      expect(raw.filter((r) => String(r.id).startsWith("other-")).length).toBe(2);
      expect(raw.every((r) => Number(r.qty) === 100)).toBe(true);
    });

    h.test("BulkUpdate and BulkDelete with an empty filter need all: true", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      await t.run("Item_BulkCreate", { data: rows(5) });
      await t.fails("Item_BulkUpdate", { filter: {}, fields: { qty: 1 } }, ValidationError);
      await t.fails("Item_BulkDelete", { filter: {} }, ValidationError);
      expect((await t.oracle.rows(table)).map((r) => Number(r.qty))).toEqual([0, 1, 2, 3, 4]);
      expect(await t.run("Item_BulkUpdate", { filter: {}, all: true, fields: { qty: 1 } })).toEqual({ result: { updated: 5 } });
      expect(await t.run("Item_BulkDelete", { filter: {}, all: true })).toEqual({ result: { deleted: 5 } });
      expect(await t.oracle.count(table)).toBe(0);
    });

    h.test("BulkUpdate counts matched rows, even when values do not change", async (t) => {
      declareItem(t.db, t.table("items"));
      await t.run("Item_BulkCreate", { data: rows(3) });
      expect(await t.run("Item_BulkUpdate", { filter: { qty: { $gte: 0 } }, fields: { name: "same" } })).toEqual({ result: { updated: 3 } });
      expect(await t.run("Item_BulkUpdate", { filter: { qty: { $gte: 0 } }, fields: { name: "same" } })).toEqual({ result: { updated: 3 } });
    });
  });
}
