import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataFlow, NodeContext } from "@dataflow/kernel";
import { LocalRuntime, TenantError, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { transactions } from "@dataflow/transactions";
import { useTestDatabase } from "@dataflow/testing";
import type { TenancyPlugin } from "../src/index.js";
import { TENANT_SETTING } from "../src/index.js";
import { failure, runNode, statementsDuring } from "./support.js";
import { PostgresTarget, modelName } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`db.sql under the rls strategy on PostgreSQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  let target: PostgresTarget;
  let db: DataFlow;
  let plugin: TenancyPlugin;
  let name: string;
  let table: string;
  /** A custom node that reads the whole table with raw SQL (no tenant filter in the text). */
  let peekNode: ReturnType<typeof defineNode>;

  const peek = (tenantId: string | undefined, options: { transaction?: boolean } = {}) => {
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(peekNode, "peek", {}).build();
    return new LocalRuntime({ dataflow: db })
      .execute(wf, { ...(tenantId === undefined ? {} : { tenantId }), ...options })
      .then(({ results }) => (results as { peek: { ids: string[] } }).peek.ids);
  };
  const all = (ctx?: NodeContext) => (ctx ? db.sql.with(ctx) : db.sql)<{ id: string }>`SELECT ${db.sql.id("id")} FROM ${db.sql.id(table)} ORDER BY 1`;

  beforeAll(async () => {
    target = await new PostgresTarget("rls", res.ok ? (res.db as never) : (undefined as never)).prepare();
    // One pooled connection: every statement below, with a tenant or without, reuses it.
    ({ db, tenancy: plugin } = target.open({ pool: { max: 1 }, plugins: [transactions()] }));
    name = modelName("Ledger");
    table = db.model(name, { id: field.string({ maxLength: 20 }), total: field.int() }, { tenant: true }).table;
    await db.initialize();
    await runNode(db, `${name}_Create`, { data: { id: "a1", total: 1 } }, { tenantId: "a" });
    await runNode(db, `${name}_Create`, { data: { id: "a2", total: 2 } }, { tenantId: "a" });
    await runNode(db, `${name}_Create`, { data: { id: "b1", total: 3 } }, { tenantId: "b" });
    peekNode = defineNode({ type: `${name}_Peek`, params: {}, run: async (_params, ctx) => ({ ids: (await all(ctx)).map((r) => r.id) }) });
  });
  afterAll(() => target?.dispose());

  it("filters a raw SELECT in a custom node by the run's tenant", async () => {
    expect(await peek("a")).toEqual(["a1", "a2"]);
    expect(await peek("b")).toEqual(["b1"]);
  });

  it("sets the tenant in the statement's own transaction, as for model nodes", async () => {
    const statements = (await statementsDuring(db, () => peek("a"))).filter((s) => !s.startsWith("<"));
    expect(statements[0]).toMatch(/^BEGIN/);
    expect(statements[1]).toBe(`SELECT set_config('${TENANT_SETTING}', $1, true)`);
    expect(statements[2]).toMatch(/^SELECT "id" FROM "/);
    expect(statements[3]).toBe("COMMIT");
  });

  it("runs in the run's transaction: a raw SELECT sees the run's uncommitted row of its tenant, and the rollback removes it", async () => {
    const seen: string[][] = [];
    const observe = defineNode({
      type: `${name}_Observe`,
      params: {},
      run: async (_params, ctx) => {
        seen.push((await all(ctx)).map((r) => r.id));
        throw new Error("undo");
      },
    });
    const wf = new WorkflowBuilder({ dataflow: db })
      .addNode(`${name}_Create`, "add", { data: { id: "a3", total: 4 } })
      .addNode(observe, "observe", {})
      .addDependency("add", "observe")
      .build();
    const error = await failure(new LocalRuntime({ dataflow: db }).execute(wf, { tenantId: "a", transaction: true }));
    expect(error.message).toBe("undo");
    expect(seen).toEqual([["a1", "a2", "a3"]]);
    expect(await plugin.run("a", () => all())).toEqual([{ id: "a1" }, { id: "a2" }]);
  });

  it("applies tenancy.run()'s tenant to db.sql outside a node, inside the caller's transaction", async () => {
    expect((await plugin.run("b", () => all())).map((r) => r.id)).toEqual(["b1"]);
    const adapter = db.adapter as DatabaseAdapter;
    const inside = await adapter.transaction(() => plugin.run("a", () => all()));
    expect(inside.map((r) => r.id)).toEqual(["a1", "a2"]);
  });

  it("without a tenant, a raw SELECT of a tenant table sees no row: it fails closed", async () => {
    // This connection has carried the setting before: the policy compares with '' and matches nothing.
    expect(await peek(undefined)).toEqual([]);
    expect(await all()).toEqual([]);
    // A connection that never carried the setting: the policy's current_setting() raises.
    const { db: fresh } = target.open({ pool: { max: 1 } });
    const error = await fresh.sql`SELECT ${fresh.sql.id("id")} FROM ${fresh.sql.id(table)}`.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/unrecognized configuration parameter "app.tenant_id"/);
    // Statements that touch no tenant table run as usual.
    expect(await db.sql<{ n: number }>`SELECT ${1}::int AS n`).toEqual([{ n: 1 }]);
  });

  it("leaves no tenant setting on the pooled connection for the next user", async () => {
    expect(await peek("a")).toEqual(["a1", "a2"]);
    // The same (only) pooled connection, now without a tenant: the setting did not outlive the transaction.
    const [row] = await db.sql<{ tenant: string | null }>`SELECT current_setting(${TENANT_SETTING}, true) AS tenant`;
    expect(row!.tenant ?? "").toBe("");
    const adapter = db.adapter as DatabaseAdapter;
    const { rows } = await adapter.query(`SELECT id FROM "${table}"`, []);
    expect(rows).toEqual([]);
  });

  it("refuses a second tenant in one transaction, for raw SQL too", async () => {
    const adapter = db.adapter as DatabaseAdapter;
    const error = await adapter
      .transaction(async () => {
        await plugin.run("a", () => all());
        await plugin.run("b", () => all());
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(TenantError);
    expect(error!.message).toMatch(/already serves another tenant/);
  });
});
