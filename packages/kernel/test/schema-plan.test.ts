import { describe, expect, it } from "vitest";
import { DataFlow, field, renderModelsModule } from "../src/index.js";
import type { DiscoveredColumn, DiscoveredSchema, DiscoveredTable } from "../src/index.js";
import { ReadOnlyModelError, SchemaError, UnsupportedColumnTypeError, UnsupportedPrimaryKeyError, ValidationError } from "../src/errors.js";
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
    const pair = table("pairs", [col("a", "int"), col("b", "int")], { primaryKey: ["a", "b"] });
    expect(() => planModels(schema(pair))).toThrow(UnsupportedPrimaryKeyError);
    expect(() => planModels(schema(pair))).toThrow(/'pairs' has the composite primary key \(a, b\).*surrogate key/);
    const keyless = table("logs", [col("line", "text")], { primaryKey: [] });
    expect(() => planModels(schema(keyless))).toThrow(/'logs' has no primary key/);
    const twoIds = table("twice", [col("code", "string"), col("id", "int")], { primaryKey: ["code"] });
    expect(() => planModels(schema(twoIds))).toThrow(/'twice' has the primary key 'code' and another column named 'id'/);
    const textKey = table("notes", [col("slug", "text")], { primaryKey: ["slug"] });
    expect(() => planModels(schema(textKey))).toThrow(/'notes.slug' has type 'text'/);
    expect(planModels({ ...schema(textKey), database: "sqlite" })[0]!.id).toMatchObject({ name: "slug", kind: "string" });
    const half = table("half", [col("id", "int"), col("created_at", "datetime")]);
    expect(() => planModels(schema(half))).toThrow(/half.created_at/);
    expect(() => planModels(schema(users), { tables: ["nope"] })).toThrow(/'nope' is not in the database/);
    expect(planModels(schema(users, odd), { tables: ["users"] })).toHaveLength(1);
  });

  it("plans a primary key not named id under its own name, with foreign keys to it", async () => {
    const orders = table("orders", [col("order_no", "int", { autoIncrement: true }), col("customer", "string", { maxLength: 80 })], {
      primaryKey: ["order_no"],
    });
    const accounts = table("accounts", [col("account_id", "uuid"), col("owner", "string", { maxLength: 80 })], { primaryKey: ["account_id"] });
    const lines = table("order_lines", [col("line_id", "int", { autoIncrement: true }), col("order_no", "int")], {
      primaryKey: ["line_id"],
      foreignKeys: [
        { name: "fk_lines", columns: ["order_no"], referencedTable: "orders", referencedColumns: ["order_no"], onDelete: "cascade", onUpdate: "no action" },
      ],
    });
    const [order, account, line] = planModels(schema(orders, accounts, lines));
    expect(order).toMatchObject({ key: "order_no", id: undefined, fields: [{ name: "customer" }] });
    expect(account).toMatchObject({ key: "account_id", id: { name: "account_id", kind: "uuid", optional: false } });
    expect(line!.fields[0]).toMatchObject({ name: "order_no", references: { table: "orders", onDelete: "cascade" } });
    const source = renderModelsModule(schema(orders, accounts, lines));
    expect(source).toContain(`{ table: "orders", primaryKey: "order_no", timestamps: false }`);
    expect(source).toContain(`account_id: field.uuid(),`);
    expect(source).toContain(`order_no: field.int().references((): ReferenceTarget => Order, { onDelete: "cascade" }),`);

    const db = new DataFlow();
    const models = await db.registerSchemaAsModels({ schema: schema(orders, accounts, lines) });
    expect(models.Order!.primaryKey).toMatchObject({ name: "order_no", kind: "int", autoIncrement: true, system: true });
    expect(models.Account!.primaryKey).toMatchObject({ name: "account_id", kind: "uuid", autoIncrement: false });
    expect(models.Order!.fieldNames).not.toContain("id");
    const { normalizeOperation } = await import("../src/operations.js");
    expect(normalizeOperation(models.Order!, "Read", { id: 7 })).toMatchObject({ where: { t: "cmp", field: { name: "order_no" }, value: 7 } });
    expect(() => normalizeOperation(models.Account!, "Create", { data: { owner: "x" } })).toThrow(/'data.account_id'.*primary key 'account_id'/);
    expect(() => normalizeOperation(models.Order!, "Update", { id: 1, fields: { order_no: 2 } })).toThrow(
      /'fields.order_no': the primary key cannot be changed/,
    );
    expect(
      normalizeOperation(models.Account!, "Upsert", { where: { account_id: "9b2f0c4e-8d1a-4c1e-9a59-2f7e5b1d3c6a" }, create: { owner: "x" } }),
    ).toMatchObject({ conflictOn: ["account_id"] });
    await db.close();
  });

  it("refuses a primaryKey option that clashes with an id field or a managed field", () => {
    const db = new DataFlow();
    expect(() => db.model("A", { id: field.int(), code: field.string() }, { primaryKey: "code" })).toThrow(
      /primary key is 'code' cannot also have a field named 'id'/,
    );
    expect(() => db.model("B", { name: field.string() }, { primaryKey: "created_at" })).toThrow(/managed by DataFlow/);
    expect(() => db.model("C", { code: field.float() }, { primaryKey: "code" })).toThrow(/'code' must be field.string\(\), int\(\), bigint\(\) or uuid\(\)/);
    expect(() => db.model("D", { name: field.string() }, { primaryKey: "bad name" })).toThrow(ValidationError);
    const E = db.model("E", { name: field.string() }, { primaryKey: "e_no" });
    expect(E.fields.map((f) => f.name)).toEqual(["e_no", "name", "created_at", "updated_at"]);
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
