import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import type { DataFlow, Input, Row } from "../src/index.js";
import { InvalidIdentifierError, ValidationError, field } from "../src/index.js";
import { Model } from "../src/plugin-api.js";
import { tableNameFor } from "../src/plugin-api.js";
import { testDataFlow } from "./fixtures.js";

const open: DataFlow[] = [];
const make = (ns?: string) => {
  const db = testDataFlow(ns);
  open.push(db);
  return db;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

describe("models", () => {
  it("derives snake_case plural table names", () => {
    expect(tableNameFor("Person")).toBe("people");
    expect(tableNameFor("OrderItem")).toBe("order_items");
    expect(tableNameFor("Category")).toBe("categories");
    expect(tableNameFor("Box")).toBe("boxes");
    expect(tableNameFor("Status")).toBe("statuses");
    expect(tableNameFor("HTTPRequest")).toBe("http_requests");
    expect(new Model("User", { name: field.string() }, { table: "accounts" }).table).toBe("accounts");
  });

  it("adds an auto-increment id and managed timestamps", () => {
    const m = new Model("Thing", { name: field.string() }, { softDelete: true });
    expect(m.fieldNames).toEqual(["id", "name", "created_at", "updated_at", "deleted_at"]);
    expect(m.primaryKey).toMatchObject({ kind: "int", autoIncrement: true });
    expect(new Model("Plain", { name: field.string() }, { timestamps: false }).fieldNames).toEqual(["id", "name"]);
  });

  it("rejects hostile and reserved names", () => {
    for (const bad of ['x"; DROP TABLE t; --', "__proto__", "constructor", "a-b", "1a", "", "é", "x".repeat(64)]) {
      expect(() => new Model("M", { [bad]: field.string() })).toThrow(InvalidIdentifierError);
      expect(() => new Model(bad, { a: field.string() })).toThrow(InvalidIdentifierError);
    }
    expect(() => new Model("M", { created_at: field.datetime() })).toThrow(/managed by DataFlow/);
    expect(() => new Model("M", { id: field.float() })).toThrow(/'id' must be/);
    expect(() => new Model("M", { a: "string" as never })).toThrow(ValidationError);
    expect(() => new Model("M", { a: field.string() }, { indexes: [{ fields: ["b"] }] })).toThrow(/not a field/);
  });

  it("infers row and input types", () => {
    const db = make();
    const User = db.model("User", {
      id: field.string(),
      age: field.int().optional(),
      active: field.boolean().default(true),
      tags: field.json<string[]>(),
    });
    expectTypeOf<Row<typeof User>>().toEqualTypeOf<{
      id: string;
      age: number | null;
      active: boolean;
      tags: string[];
      created_at: Date;
      updated_at: Date;
    }>();
    expectTypeOf<Input<typeof User>>().toEqualTypeOf<{ id: string; tags: string[]; age?: number | null; active?: boolean }>();
    const Auto = db.model("Auto", { n: field.bigint() }, { softDelete: true });
    expectTypeOf<Row<typeof Auto>>().toEqualTypeOf<{ n: bigint; id: number; created_at: Date; updated_at: Date; deleted_at: Date | null }>();
    expect(User.nodes.Create).toBe("User_Create");
  });

  it("two live instances cannot declare the same model unless namespaced", async () => {
    const a = make();
    a.model("User", { name: field.string() });
    const b = make();
    expect(() => b.model("User", { name: field.string() })).toThrow(/another live DataFlow instance/);
    const c = make("analytics");
    expect(c.model("User", { name: field.string() }).nodes.Create).toBe("analytics.User_Create");
    await a.close();
    expect(() => b.model("User", { name: field.string() })).not.toThrow();
  });

  it("declaring a model twice on one instance is an error", () => {
    const db = make();
    db.model("User", { name: field.string() });
    expect(() => db.model("User", { name: field.string() })).toThrow(/already declared/);
  });
});

describe("field.renamedFrom", () => {
  it("records the previous column name on the model field, validated as an identifier", () => {
    const model = new Model("Renamed", { full_name: field.string().renamedFrom("name"), age: field.int() });
    expect(model.fields.find((f) => f.name === "full_name")?.renamedFrom).toBe("name");
    expect(model.fields.find((f) => f.name === "age")?.renamedFrom).toBeUndefined();
    expect(() => new Model("BadRename", { x: field.string().renamedFrom("drop table;") })).toThrow(InvalidIdentifierError);
  });
});
