import { afterAll, beforeAll, expect, it } from "vitest";
import type { DataFlow } from "@dataflow/kernel";
import { field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { SHARED_TABLE_GUARD } from "../src/index.js";
import { runNode } from "./support.js";
import type { Target } from "./targets.js";
import { modelName } from "./targets.js";

/** The schema strategy's own guarantees, on PostgreSQL (schemas) or MySQL (databases). */
export function schemaStrategyCases(makeTarget: () => Promise<Target>, namespaces: (prefix: string) => Promise<string[]>): void {
  let target: Target;
  let db: DataFlow;
  let name: string;
  let table: string;
  const run = (op: string, params: Record<string, unknown>, tenantId: string) => runNode(db, `${name}_${op}`, params, { tenantId });

  beforeAll(async () => {
    target = await makeTarget();
    ({ db } = target.open({ pool: { max: 1 } }));
    name = modelName("Account");
    table = db.model(
      name,
      { id: field.string({ maxLength: 20 }), email: field.string({ maxLength: 40 }).unique(), total: field.int() },
      { tenant: true },
    ).table;
    await db.initialize();
  });
  afterAll(() => target?.dispose());

  it("creates a tenant's schema and table on its first operation, not before", async () => {
    expect(await namespaces(`${target.prefix}first`)).toEqual([]);
    await run("Create", { data: { id: "k1", email: "e@x", total: 1 } }, "first");
    expect(await namespaces(`${target.prefix}first`)).toEqual([`${target.prefix}first`]);
    const rows = await target.rawRows(table, "first");
    expect(rows.map((r) => [r.id, r.tenant_id])).toEqual([["k1", "first"]]);
  });

  it("creates a new tenant's table once when its first operations run concurrently", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => run("Create", { data: { id: `c${i}`, email: `c${i}@x`, total: i } }, "burst")));
    expect(results.map((r) => r.result.tenant_id)).toEqual(Array(6).fill("burst"));
    expect((await target.rawRows(table, "burst")).length).toBe(6);
  });

  it("keeps the same primary key apart per tenant, over one pooled connection and its prepared statements", async () => {
    await run("Create", { data: { id: "same", email: "a@x", total: 1 } }, "alpha");
    await run("Create", { data: { id: "same", email: "b@x", total: 2 } }, "beta");
    for (let i = 0; i < 20; i++) {
      const tenant = i % 2 === 0 ? "alpha" : "beta";
      const read = await run("Read", { id: "same" }, tenant);
      expect(read.result).toMatchObject({ id: "same", tenant_id: tenant, email: tenant === "alpha" ? "a@x" : "b@x" });
      const updated = await run("Update", { id: "same", fields: { total: i } }, tenant);
      expect(updated.result.tenant_id).toBe(tenant);
    }
    expect((await target.rawRows(table, "alpha")).map((r) => Number(r.total))).toEqual([18]);
    expect((await target.rawRows(table, "beta")).map((r) => Number(r.total))).toEqual([19]);
  });

  it("keeps the shared table empty and refuses any row written to it", async () => {
    expect(await target.rawRows(table)).toEqual([]);
    const adapter = db.adapter as DatabaseAdapter;
    const q = adapter.dialect.quote;
    const insert =
      `INSERT INTO ${q(table)} (${q("id")}, ${q("email")}, ${q("total")}, ${q("tenant_id")}, ${q("created_at")}, ${q("updated_at")}) ` +
      `VALUES ('x', 'x@x', 1, 'alpha', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`;
    const error = await adapter.query(insert, []).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, "a row written to the shared table").toBeDefined();
    expect(String((error as Error).message) + String(((error as Error).cause as Error | undefined)?.message ?? "")).toMatch(
      new RegExp(`${SHARED_TABLE_GUARD}|check constraint`, "i"),
    );
    expect(await target.rawRows(table)).toEqual([]);
  });

  it("adds columns declared later to existing tenant tables (additive migration)", async () => {
    await target.dispose();
    target = await makeTarget();
    ({ db } = target.open());
    const v1 = modelName("Ledger");
    db.model(v1, { id: field.string({ maxLength: 20 }), amount: field.int() }, { tenant: true });
    await runNode(db, `${v1}_Create`, { data: { id: "l1", amount: 5 } }, { tenantId: "grow" });
    await db.close();
    ({ db } = target.open());
    const v2 = db.model(v1, { id: field.string({ maxLength: 20 }), amount: field.int(), memo: field.string().optional() }, { tenant: true });
    const made = await runNode(db, `${v1}_Create`, { data: { id: "l2", amount: 6, memo: "new column" } }, { tenantId: "grow" });
    expect(made.result).toMatchObject({ id: "l2", memo: "new column", tenant_id: "grow" });
    const rows = await target.rawRows(v2.table, "grow");
    expect(rows.map((r) => [r.id, r.memo ?? null])).toEqual([
      ["l1", null],
      ["l2", "new column"],
    ]);
  });
}
