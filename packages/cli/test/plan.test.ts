// Planning is pure given a dialect and a live-schema reader: here PostgreSQL's dialect and a fake
// reader that reports row counts, so every step's SQL and risk text can be read exactly.
import { field } from "@dataflow/kernel";
import type { FieldsShape } from "@dataflow/kernel/plugin";
import { Model } from "@dataflow/kernel/plugin";
import { postgresDialect } from "@dataflow/sql-postgres";
import { sqliteDialect } from "@dataflow/sql-sqlite";
import { describe, expect, it } from "vitest";
import { migrationDatabase } from "../src/migrations/databases.js";
import type { LiveSchemaReader } from "../src/migrations/live.js";
import { planMigration } from "../src/migrations/plan.js";
import { modelState } from "../src/migrations/state.js";

const db = migrationDatabase(postgresDialect);
const state = (fields: FieldsShape) => modelState(postgresDialect, [new Model("Doc", fields)]);
const live = (rows: number, nulls = 0): LiveSchemaReader => ({
  table: async () => ({ columns: new Set(), indexes: new Set() }),
  rowCount: async () => rows,
  valueCount: async () => rows,
  nullCount: async () => nulls,
});

describe("planMigration (PostgreSQL dialect)", () => {
  it("makes a column required by filling NULLs with the field's default first", async () => {
    const plan = await planMigration(db, state({ title: field.string().optional() }), state({ title: field.string().default("untitled") }), live(5, 2));
    const sql = plan.steps.flatMap((s) => s.up);
    expect(sql).toEqual([
      `UPDATE "docs" SET "title" = 'untitled' WHERE "title" IS NULL`,
      `ALTER TABLE "docs" ALTER COLUMN "title" SET NOT NULL`,
      `ALTER TABLE "docs" ALTER COLUMN "title" SET DEFAULT 'untitled'`,
    ]);
    expect(plan.steps.some((s) => s.destructive)).toBe(false);
  });

  it("refuses to make a column required while rows hold NULL and there is no default", async () => {
    const plan = await planMigration(db, state({ title: field.string().optional() }), state({ title: field.string() }), live(5, 2));
    expect(plan.steps.find((s) => s.destructive)?.destructive).toBe(
      "2 rows of docs have NULL in title, which becomes required: the change fails until they have values",
    );
  });

  it("keeps a unique index over a renamed column guarded: drop and re-create is not destructive", async () => {
    const plan = await planMigration(db, state({ slug: field.string().unique() }), state({ handle: field.string().unique().renamedFrom("slug") }), live(3));
    expect(plan.steps.map((s) => s.description)).toEqual([
      "drop unique index ux_docs_slug on docs",
      "rename column docs.slug to handle",
      "create unique index ux_docs_handle on docs",
    ]);
    expect(plan.steps.some((s) => s.destructive)).toBe(false);
  });

  it("plans a widening type change as expand/contract without refusing it, and records the retired column", async () => {
    const plan = await planMigration(db, state({ n: field.int() }), state({ n: field.float() }), live(4));
    const [step] = plan.steps;
    expect(step?.destructive).toBeUndefined();
    expect(step?.up).toEqual([
      `ALTER TABLE "docs" ADD COLUMN "n__new" DOUBLE PRECISION`,
      `UPDATE "docs" SET "n__new" = CAST("n" AS DOUBLE PRECISION)`,
      `ALTER TABLE "docs" ALTER COLUMN "n__new" SET NOT NULL`,
      `ALTER TABLE "docs" RENAME COLUMN "n" TO "n__old"`,
      `ALTER TABLE "docs" RENAME COLUMN "n__new" TO "n"`,
      `ALTER TABLE "docs" ALTER COLUMN "n__old" DROP NOT NULL`,
    ]);
    const retired = plan.snapshot.tables[0]?.columns.find((c) => c.name === "n__old");
    expect(retired).toMatchObject({ type: "BIGINT", nullable: true });
  });

  it("notes a kind change that keeps the column type (int -> bigint are both BIGINT here) without SQL", async () => {
    const plan = await planMigration(db, state({ n: field.int() }), state({ n: field.bigint() }), live(4));
    expect(plan.steps.map((s) => [s.description, s.up.length])).toEqual([["docs.n: field kind int -> bigint, column type stays BIGINT", 0]]);
  });

  it("refuses narrowing (string -> int) as destructive, though the old values stay", async () => {
    const plan = await planMigration(db, state({ n: field.string() }), state({ n: field.int() }), live(4));
    expect(plan.steps[0]?.destructive).toMatch(/^narrows docs.n from VARCHAR\(255\) to BIGINT/);
  });

  it("names the rows a dropped table loses; a table of unknown columns gets no down", async () => {
    const plan = await planMigration(db, state({ a: field.int() }), { format: 1, dialect: "postgresql", tables: [] }, live(12));
    expect(plan.steps[0]?.destructive).toBe("drops table docs (model Doc) and its 12 rows");
    expect(plan.steps[0]?.down?.[0]).toMatch(/^CREATE TABLE "docs"/);
  });

  it("refuses a primary key change with a typed error naming the field", async () => {
    const before = state({ id: field.string(), a: field.int() });
    await expect(planMigration(db, before, state({ id: field.int(), a: field.int() }), live(0))).rejects.toMatchObject({
      code: "MIGRATION_ERROR",
      field: "id",
    });
  });
});

describe("planMigration: foreign keys", () => {
  const empty = { format: 1 as const, dialect: "postgresql", tables: [] };

  it("creates a referenced table first and writes the key in CREATE TABLE; a cycle is closed with ADD CONSTRAINT after both exist", async () => {
    const parent: Model = new Model("Parent", { name: field.string() });
    const child = new Model("Child", { parent_id: field.int().references(parent) });
    const ordered = await planMigration(db, empty, modelState(postgresDialect, [child, parent]));
    expect(ordered.steps.map((s) => s.description)).toEqual(["create table parents", "create table children"]);
    expect(ordered.steps[1]?.up[0]).toContain(
      `CONSTRAINT "fk_children_parent_id" FOREIGN KEY ("parent_id") REFERENCES "parents" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    );

    const a: Model = new Model("Ay", {
      b_id: field
        .int()
        .optional()
        .references(() => b),
    });
    const b: Model = new Model("Bee", { a_id: field.int().optional().references(a) });
    const cycle = await planMigration(db, empty, modelState(postgresDialect, [a, b]));
    expect(cycle.steps.map((s) => s.description)).toEqual([
      "create table ays",
      "create table bees",
      "add foreign key fk_ays_b_id (b_id -> bees.id, on delete no action, on update no action) on ays",
    ]);
    expect(cycle.steps[0]?.up[0]).not.toContain("FOREIGN KEY");
    expect(cycle.steps[2]?.down).toEqual([`ALTER TABLE "ays" DROP CONSTRAINT "fk_ays_b_id"`]);
  });

  it("a renamed key column drops the old key first and adds the new one last, without calling it destructive", async () => {
    const parent = new Model("Parent", { name: field.string() });
    const before = modelState(postgresDialect, [parent, new Model("Child", { owner: field.int().references(parent) })]);
    const after = modelState(postgresDialect, [parent, new Model("Child", { owner_id: field.int().references(parent).renamedFrom("owner") })]);
    const plan = await planMigration(db, before, after, live(3));
    expect(plan.steps.map((s) => s.description)).toEqual([
      "drop foreign key fk_children_owner (owner -> parents.id, on delete no action, on update no action) on children",
      "rename column children.owner to owner_id",
      "add foreign key fk_children_owner_id (owner_id -> parents.id, on delete no action, on update no action) on children",
    ]);
    expect(plan.steps.some((s) => s.destructive)).toBe(false);
  });

  it("a snapshot written before keys were recorded gets them added", async () => {
    const parent = new Model("Parent", { name: field.string() });
    const after = modelState(postgresDialect, [parent, new Model("Child", { parent_id: field.int().references(parent) })]);
    const old = { ...after, tables: after.tables.map(({ foreignKeys: _, ...t }) => t) };
    const plan = await planMigration(db, old, after, live(0));
    expect(plan.steps.flatMap((s) => s.up)).toEqual([
      `ALTER TABLE "children" ADD CONSTRAINT "fk_children_parent_id" FOREIGN KEY ("parent_id") REFERENCES "parents" ("id") ON DELETE NO ACTION ON UPDATE NO ACTION`,
    ]);
  });

  it("SQLite adds a key to an existing table by rebuilding it; down rebuilds it without the key", async () => {
    const lite = migrationDatabase(sqliteDialect);
    const parent = new Model("Parent", { name: field.string() });
    const before = modelState(sqliteDialect, [parent, new Model("Child", { parent_id: field.int() })]);
    const after = modelState(sqliteDialect, [parent, new Model("Child", { parent_id: field.int().references(parent, { onDelete: "cascade" }) })]);
    const plan = await planMigration(lite, before, after, live(2));
    const rebuild = plan.steps.find((s) => s.description.startsWith("rebuild children"));
    expect(rebuild?.up[0]).toContain(`CONSTRAINT "fk_children_parent_id" FOREIGN KEY ("parent_id") REFERENCES "parents" ("id") ON DELETE CASCADE`);
    expect(rebuild?.down?.[0]).not.toContain("FOREIGN KEY");
    expect(plan.steps.find((s) => s.description.startsWith("add foreign key"))?.up).toEqual([]);
  });
});
