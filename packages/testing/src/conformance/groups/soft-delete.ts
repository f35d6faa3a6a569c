import { NotFoundError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { declareItem } from "../models.js";

export function softDeleteTests(h: Harness): void {
  describe("soft delete", () => {
    h.test("Delete leaves a tombstone that Read, List, Count and Update skip", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table, { softDelete: true });
      await t.run("Item_BulkCreate", {
        data: [
          { id: "s1", name: "a" },
          { id: "s2", name: "b" },
          { id: "s3", name: "c" },
        ],
      });
      expect(await t.run("Item_Delete", { id: "s1" })).toEqual({ result: { id: "s1", deleted: true } });
      const raw = await t.oracle.rows(table);
      expect(raw).toHaveLength(3);
      expect(raw.find((r) => r.id === "s1")!.deleted_at).not.toBeNull();
      await t.fails("Item_Read", { id: "s1" }, NotFoundError);
      expect((await t.run("Item_Read", { id: "s1", includeDeleted: true })).result.deleted_at).toBeInstanceOf(Date);
      expect((await t.run("Item_List", {})).result.map((r: { id: string }) => r.id)).toEqual(["s2", "s3"]);
      expect((await t.run("Item_List", { includeDeleted: true })).count).toBe(3);
      expect((await t.run("Item_Count", {})).result).toBe(2);
      expect((await t.run("Item_Count", { includeDeleted: true })).result).toBe(3);
      await t.fails("Item_Update", { id: "s1", fields: { name: "zombie" } }, NotFoundError);
      await t.fails("Item_Delete", { id: "s1" }, NotFoundError);
      expect(await t.run("Item_BulkUpdate", { filter: {}, all: true, fields: { name: "live" } })).toEqual({ result: { updated: 2 } });
      expect(await t.run("Item_BulkDelete", { filter: {}, all: true })).toEqual({ result: { deleted: 2 } });
      const after = await t.oracle.rows(table);
      expect(after).toHaveLength(3);
      expect(after.find((r) => r.id === "s1")!.name).toBe("a");
      expect(after.every((r) => r.deleted_at !== null)).toBe(true);
    });
  });
}
