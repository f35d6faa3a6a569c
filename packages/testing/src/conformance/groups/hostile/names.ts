import { ValidationError, field } from "@dataflow/kernel";
import type { FieldsShape, ModelOptions } from "@dataflow/kernel/plugin";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { thrownBy } from "./expect.js";

/** Issue class 1: two models, or two fields, that would share one table or one column. */
export function nameCollisionTests(h: Harness): void {
  h.test("hostile: models that map to one table (case, plural, snake_case) are refused at declaration", async (t) => {
    const own = t.table("clash");
    const capital = `${own.charAt(0).toUpperCase()}${own.slice(1)}`;
    const pairs: Array<[string, ModelOptions, string, ModelOptions]> = [
      ["Hxorder", {}, "hxorder", {}], // both hxorders
      ["HxDatum", {}, "HxData", {}], // both hx_data
      ["HxAcct", {}, "Hx_acct", {}], // both hx_accts
      ["HxLineItem", {}, "Hx_lineItem", {}], // both hx_line_items
      ["HxOne", { table: own }, "HxTwo", { table: own.toUpperCase() }],
      ["HxThree", { table: `${own}_x` }, "HxFour", { table: `${capital}_X` }],
      ["HxInvoice", {}, "HxBill", { table: "HX_INVOICES" }], // a default table name against an explicit one
    ];
    const canary = t.table("canary");
    t.db.model("HxCanary", { label: field.string() }, { table: canary });
    await t.run("HxCanary_Create", { data: { label: "alive" } });
    const columns = await t.oracle.columns(canary);
    pairs.push(["HxCanary", { table: canary }, "HxIntruder", { table: canary.toUpperCase() }]);
    for (const [first, firstOptions, second, secondOptions] of pairs) {
      if (!t.db.models.has(first)) t.db.model(first, { label: field.string() }, firstOptions);
      const error = thrownBy(() => t.db.model(second, { label: field.string(), extra: field.int().optional() }, secondOptions));
      expect.soft(error, `${first} / ${second}: the second declaration should be refused`).toBeInstanceOf(ValidationError);
      if (!(error instanceof ValidationError)) continue;
      expect.soft(error.message, `${first} / ${second}: the error names both models`).toContain(`${first}`);
      expect.soft(error.message, `${first} / ${second}: the error names both models`).toContain(`${second}`);
    }
    expect(await t.oracle.columns(canary), "the first model's table was not altered").toEqual(columns);
    expect((await t.oracle.rows(canary)).map((r) => r.label)).toEqual(["alive"]);
  });

  h.test("hostile: fields whose names differ only by case are refused at declaration", async (t) => {
    const shapes: Array<[string, FieldsShape, readonly string[], ModelOptions?]> = [
      ["HxCase1", { Name: field.string(), name: field.string() }, ["Name", "name"]],
      ["HxCase2", { userId: field.int(), userid: field.int() }, ["userId", "userid"]],
      ["HxCase3", { email: field.string(), EMAIL: field.string().optional(), Email: field.text().optional() }, ["email", "EMAIL"]],
      ["HxCase4", { a_b: field.string(), A_B: field.string() }, ["a_b", "A_B"]],
      ["HxCase5", { ID: field.string() }, ["ID", "id"]], // against the primary key
      ["HxCase6", { Created_At: field.datetime() }, ["Created_At", "created_at"]], // against a managed timestamp
      ["HxCase7", { Deleted_At: field.datetime().optional() }, ["Deleted_At", "deleted_at"], { softDelete: true }],
    ];
    for (const [model, shape, names, options] of shapes) {
      const error = thrownBy(() => t.db.model(model, shape, { table: t.table("cases"), ...options }));
      expect.soft(error, `${model}: ${names.join(" / ")} should be refused`).toBeInstanceOf(ValidationError);
      if (!(error instanceof ValidationError)) continue;
      for (const n of names) expect.soft(error.message, `${model}: the error names '${n}'`).toContain(`${n}`);
      expect.soft(names, `${model}: error.field names one of the two fields`).toContain(error.field);
    }
  });
}
