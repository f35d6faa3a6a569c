import { field } from "@dataflow/kernel";
import { SchemaError } from "@dataflow/kernel/plugin";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";

export function schemaTests(h: Harness): void {
  describe("schema and auto-migration", () => {
    h.test("declaring models does no I/O; the table appears on first use", async (t) => {
      const table = t.table("lazy");
      t.db.model("Lazy", { label: field.string() }, { table });
      expect(await t.oracle.columns(table)).toEqual([]);
      await t.run("Lazy_Count", {});
      expect((await t.oracle.columns(table)).sort()).toEqual(["created_at", "id", "label", "updated_at"]);
    });

    h.test("new model fields become new columns; nothing is dropped or retyped", async (t) => {
      const table = t.table("evolving");
      t.db.model("Evolving", { label: field.string(), legacy: field.int().optional() }, { table });
      await t.run("Evolving_Create", { data: { label: "v1", legacy: 7 } });
      await t.db.close();
      const next = await h.options.createDataFlow();
      try {
        next.model(
          "Evolving",
          {
            label: field.string(),
            score: field.int().optional(),
            level: field.string().default("basic"),
            required_later: field.string(),
          },
          { table },
        );
        const t2 = h.context(next);
        const old = (await t2.run("Evolving_List", {})).result;
        expect(old).toHaveLength(1);
        expect(old[0]).toMatchObject({ label: "v1", score: null, level: "basic" });
        const cols = await t.oracle.columns(table);
        expect(cols).toEqual(expect.arrayContaining(["legacy", "score", "level", "required_later"]));
        const [raw] = await t.oracle.rows(table);
        expect(Number(raw!.legacy)).toBe(7);
        await t2.run("Evolving_Create", { data: { label: "v2", required_later: "yes" } });
        expect(await t.oracle.count(table)).toBe(2);
      } finally {
        await next.close();
      }
    });

    h.test("existingSchemaMode and autoMigrate: false never run DDL", async (t) => {
      const table = t.table("strict");
      const strict = await h.options.createDataFlow({ existingSchemaMode: true });
      try {
        strict.model("Strict", { label: field.string() }, { table });
        await h.context(strict).fails("Strict_Count", {}, SchemaError);
        expect(await t.oracle.columns(table)).toEqual([]);
      } finally {
        await strict.close();
      }
      t.db.model("Strict", { label: field.string() }, { table });
      await t.run("Strict_Count", {});
      await t.db.close();
      const frozen = await h.options.createDataFlow({ autoMigrate: false });
      try {
        frozen.model("Strict", { label: field.string(), extra: field.int().optional() }, { table });
        await h.context(frozen).fails("Strict_Count", {}, SchemaError);
        expect(await t.oracle.columns(table)).not.toContain("extra");
      } finally {
        await frozen.close();
      }
    });
  });
}
