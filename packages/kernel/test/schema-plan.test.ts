import { describe, expect, it } from "vitest";
import { DataFlow, field, renderModelsModule } from "../src/index.js";
import type { DiscoveredColumn, DiscoveredSchema, DiscoveredTable } from "../src/index.js";
import { ReadOnlyModelError, SchemaError, UnsupportedColumnTypeError, ValidationError } from "../src/errors.js";
import { modelNameFor, planModels } from "../src/schema-plan.js";

const col = (name: string, kind: DiscoveredColumn["kind"], extra: Partial<DiscoveredColumn> = {}): DiscoveredColumn => ({
  name,
  nativeType: String(kind ?? "mystery"),
  kind,
  nullable: false,
  autoIncrement: false,
  default: undefined,
  comment: undefined,
  ...extra,
});

const table = (name: string, columns: DiscoveredColumn[], extra: Partial<DiscoveredTable> = {}): DiscoveredTable => ({
  name,
  kind: "table",
  comment: undefined,
  columns,
  primaryKey: ["id"],
  foreignKeys: [],
  uniques: [],
  indexes: [],
  ...extra,
});

const schema = (...tables: DiscoveredTable[]): DiscoveredSchema => ({ database: "test", tables, enums: [] });

const users = table(
  "users",
  [
    col("id", "bigint", { autoIncrement: true }),
    col("email", "string", { maxLength: 120, comment: "Login */ e-mail" }),
    col("role", "enum", { enumValues: ["admin", "member"], default: { expression: "'member'", value: "member" } }),
    col("manager_id", "int", { nullable: true }),
    col("created_at", "datetime"),
    col("updated_at", "datetime"),
  ],
  {
    comment: "People",
    foreignKeys: [
      {
        name: "fk_users_manager_id",
        columns: ["manager_id"],
        referencedTable: "users",
        referencedColumns: ["id"],
        onDelete: "set null",
        onUpdate: "no action",
      },
    ],
    indexes: [{ name: "ux_users_email", columns: ["email"], unique: true }],
    uniques: [{ name: "ux_users_email", columns: ["email"], unique: true }],
  },
);

describe("references()", () => {
  it("rejects unknown options and actions, naming them", () => {
    const db = new DataFlow();
    const User = db.model("RefUser", { name: field.string() });
    expect(() => field.int().references(User, { onDelete: "explode" as never })).toThrow(ValidationError);
    expect(() => field.int().references(User, { cascade: true } as never)).toThrow(/Unknown references\(\) option 'cascade'/);
    expect(() => field.int().references({} as never)).toThrow(/takes a model/);
    const f = field.int().references(() => User, { onDelete: "cascade" });
    expect(f.config.references?.target()).toBe(User);
    expect(f.config.references).toMatchObject({ onDelete: "cascade", onUpdate: "no action" });
    void db.close();
  });
});

describe("planModels / renderModelsModule (pure)", () => {
  it("names models in the singular", () => {
    expect(["users", "order_items", "categories", "boxes", "status"].map(modelNameFor)).toEqual(["User", "OrderItem", "Category", "Box", "Status"]);
  });

  it("keeps table and column names, managed timestamps, the default id and self references", () => {
    const [plan] = planModels(schema(users));
    expect(plan).toMatchObject({ name: "User", table: "users", timestamps: true, softDelete: false, id: undefined });
    expect(plan!.fields.map((f) => f.name)).toEqual(["email", "role", "manager_id"]);
    expect(plan!.fields[0]).toMatchObject({ unique: true, maxLength: 120, comment: "Login */ e-mail" });
    expect(plan!.fields[2]).toMatchObject({ optional: true, references: { table: "users", onDelete: "set null" } });
  });

  it("renders JSDoc, references and defaults, and is deterministic", () => {
    const source = renderModelsModule(schema(users));
    expect(source).toBe(renderModelsModule(schema(users)));
    expect(source).toContain("/** People */");
    expect(source).toContain("/** Login *\\/ e-mail */");
    expect(source).toContain('role: field.enum(["admin", "member"]).default("member"),');
    expect(source).toContain('manager_id: field.int().optional().references((): ReferenceTarget => User, { onDelete: "set null" }),');
    expect(source).toContain("email: field.string({ maxLength: 120 }).unique(),");
    expect(source).toContain('{ table: "users" }');
  });

  it("refuses what a model cannot hold, naming table.column", () => {
    const odd = table("odd", [col("id", "int"), col("shape", undefined, { nativeType: "polygon" })]);
    expect(() => planModels(schema(odd))).toThrow(UnsupportedColumnTypeError);
    expect(() => planModels(schema(odd))).toThrow(/'odd.shape' has type 'polygon'/);
    const keyed = table("keyed", [col("code", "string")], { primaryKey: ["code"] });
    expect(() => planModels(schema(keyed))).toThrow(SchemaError);
    const half = table("half", [col("id", "int"), col("created_at", "datetime")]);
    expect(() => planModels(schema(half))).toThrow(/half.created_at/);
    expect(() => planModels(schema(users), { tables: ["nope"] })).toThrow(/'nope' is not in the database/);
    expect(planModels(schema(users, odd), { tables: ["users"] })).toHaveLength(1);
  });

  it("registers views read-only", async () => {
    const db = new DataFlow();
    const view = table("user_names", [col("id", "int"), col("name", "string")], { kind: "view", primaryKey: [] });
    const models = await db.registerSchemaAsModels({ schema: schema(view) });
    const model = models.UserName!;
    expect(model.readOnly && model.existing).toBe(true);
    const { normalizeOperation } = await import("../src/operations.js");
    expect(() => normalizeOperation(model, "Create", { data: { name: "x" } })).toThrow(ReadOnlyModelError);
    expect(normalizeOperation(model, "List", {}).kind).toBe("List");
    await db.close();
  });
});
