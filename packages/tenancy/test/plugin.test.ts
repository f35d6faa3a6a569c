import { describe, expect, it } from "vitest";
import type { Row } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, PluginError, TenantError, ValidationError, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import { isUniqueTarget } from "@dataflow/kernel/plugin";
import { definePlugin } from "@dataflow/kernel/plugin";
import { sqlModelNodes } from "@dataflow/sql-core";
import sqlite, { SqliteAdapter, sqliteDialect } from "@dataflow/sql-sqlite";
import { DialectRefusedError, tenancy } from "../src/index.js";
import { failure, runNode, statementsDuring } from "./support.js";
import { modelName } from "./targets.js";

const fields = () => ({ email: field.string().unique(), name: field.string(), total: field.int().index() });

describe("tenancy plugin: configuration and declaration", () => {
  it("validates its options, naming the field", () => {
    const bad: Array<[unknown, string]> = [
      [{ strategy: "rows" }, "strategy"],
      [{}, "strategy"],
      [{ strategy: "row", extra: 1 }, "extra"],
      [{ strategy: "schema", schemaPrefix: "Tenant-" }, "schemaPrefix"],
      [{ strategy: "schema", schemaPrefix: "x".repeat(40) }, "schemaPrefix"],
    ];
    for (const [options, fieldName] of bad) {
      let error: unknown;
      try {
        tenancy(options as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(fieldName);
    }
  });

  it("refuses a model declared { tenant: true } when no tenancy plugin enforces it", () => {
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlite] });
    try {
      expect(() => db.model(modelName("Order"), fields(), { tenant: true })).toThrow(PluginError);
      expect(() => db.model(modelName("Order"), fields(), { tenant: true })).toThrow(/no tenancy plugin/);
    } finally {
      void db.close();
    }
  });

  it("refuses the schema and rls strategies on SQLite when the DataFlow is constructed, naming the catalog parts it lacks", () => {
    const refusal = (strategy: "schema" | "rls") => {
      try {
        new DataFlow({ url: "sqlite::memory:", plugins: [sqlite, tenancy({ strategy })] });
      } catch (error) {
        return error as DialectRefusedError;
      }
      throw new Error(`the ${strategy} strategy was accepted on SQLite`);
    };
    const schema = refusal("schema");
    expect(schema).toBeInstanceOf(DialectRefusedError);
    expect(schema).toBeInstanceOf(PluginError);
    expect(schema.missing).toEqual(["createNamespace", "checkConstraintCount", "addRowFreeCheck", "ddlLock"]);
    expect(schema.message).toMatch(/schema tenancy strategy needs a namespace per tenant .*; the sqlite dialect lacks catalog\.createNamespace/);
    const rls = refusal("rls");
    expect(rls.missing).toEqual(["rowSecurity", "ddlLock"]);
    expect(rls.message).toMatch(
      /rls tenancy strategy needs row-level security in the database .*; the sqlite dialect lacks catalog\.rowSecurity, catalog\.ddlLock/,
    );
  });

  it("fails closed on a dialect that cannot vouch for exact tenant comparison, even with the row strategy", () => {
    const { exactTextComparison: _exact, ...vague } = sqliteDialect.catalog;
    class VagueAdapter extends SqliteAdapter {
      override readonly dialect = { ...sqliteDialect, catalog: vague };
    }
    const vaguePlugin = definePlugin({
      name: "vague-sqlite",
      kernel: "^1",
      adapters: [{ schemes: ["vague"], create: (url, options) => new VagueAdapter(url.replace(/^vague:/, "sqlite:"), options) }],
      modelNodes: sqlModelNodes,
    });
    let error: unknown;
    try {
      new DataFlow({ url: "vague::memory:", plugins: [vaguePlugin, tenancy({ strategy: "row" })] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DialectRefusedError);
    expect((error as DialectRefusedError).missing).toEqual(["columnCollation"]);
    expect((error as Error).message).toMatch(/row tenancy strategy needs to know that tenant ids compare exactly/);
  });

  it("refuses a tenant model that declares tenant_id itself", () => {
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlite, tenancy({ strategy: "row" })] });
    try {
      expect(() => db.model(modelName("Order"), { ...fields(), tenant_id: field.string() }, { tenant: true })).toThrow(/already has a field 'tenant_id'/);
    } finally {
      void db.close();
    }
  });

  it("adds tenant_id first to every unique constraint and index of tenant models only", () => {
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlite, tenancy({ strategy: "row" })] });
    try {
      const Order = db.model(modelName("Order"), fields(), { tenant: true, indexes: [{ fields: ["name", "total"], unique: true }] });
      const Note = db.model(modelName("Note"), fields());
      expect(Order.indexes.map((ix) => [ix.fields, ix.unique])).toEqual([
        [["tenant_id", "email"], true],
        [["tenant_id", "total"], false],
        [["tenant_id"], false],
        [["tenant_id", "name", "total"], true],
      ]);
      expect(Order.field("tenant_id")).toMatchObject({ kind: "string", nullable: false, system: true, maxLength: 64 });
      expect(Note.hasField("tenant_id")).toBe(false);
      expect(Note.indexes.every((ix) => !ix.fields.includes("tenant_id"))).toBe(true);
      // A natural key is a conflict target once the tenant column is added to it.
      expect(isUniqueTarget(Order, ["email"])).toBe(true);
      expect(isUniqueTarget(Order, ["name", "total"])).toBe(true);
      expect(isUniqueTarget(Order, ["name"])).toBe(false);
      expect(isUniqueTarget(Note, ["email"])).toBe(true);
    } finally {
      void db.close();
    }
  });

  it("types rows of tenant models with tenant_id", async () => {
    const t = tenancy({ strategy: "row" });
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlite, t] });
    const Order = db.model(modelName("Order"), fields(), { tenant: true });
    const made = await runNode(db, Order.nodes.Create, { data: { email: "a@x", name: "A", total: 1 } }, { tenantId: "acme" });
    const row: Row<typeof Order> = made.result;
    const tenant: string = row.tenant_id;
    expect(tenant).toBe("acme");
    await db.close();
  });

  it("tenancy.run returns what fn returns, validates the id first, and nests with the inner tenant winning", async () => {
    const t = tenancy({ strategy: "row" });
    expect(t.run("a", () => 42)).toBe(42);
    expect(() => t.run("a b", () => 1)).toThrow(TenantError);
    expect(() => t.run("a", undefined as never)).toThrow(TenantError);
    const seen = await t.run("outer", async () => {
      const inner = await t.run("inner", async () => t.current());
      return [inner, t.current()];
    });
    expect(seen).toEqual(["inner", "outer"]);
    expect(t.current()).toBeUndefined();
  });

  it("refuses a run whose tenantId is changed on the options object after execute() started, before any SQL", async () => {
    const t = tenancy({ strategy: "row" });
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlite, t] });
    const Order = db.model(modelName("Order"), fields(), { tenant: true });
    await db.initialize();
    const swap = defineNode<Record<string, unknown>, { done: boolean }>({
      type: "Test_SwapTenant",
      params: {},
      run: (_params, ctx) => {
        (ctx.run.options as { tenantId?: string }).tenantId = "other";
        return { done: true };
      },
    });
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(swap, "swap", {}).addNode(Order.nodes.List, "list", {}).addDependency("swap", "list").build();
    let error: Error | undefined;
    const statements = await statementsDuring(db, async () => {
      error = await failure(new LocalRuntime({ dataflow: db }).execute(wf, { tenantId: "acme" }));
    });
    expect(error).toBeInstanceOf(TenantError);
    expect(error!.message).toMatch(/changed while the run was in progress/);
    expect(statements).toEqual([]);
    await db.close();
  });
});
