import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataFlow } from "@dataflow/kernel";
import { DataFlow as Flow, TenantError, field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import postgres from "@dataflow/sql-postgres";
import { useTestDatabase } from "@dataflow/testing";
import pg from "pg";
import { POLICY_NAME, TENANT_SETTING, tenancy } from "../src/index.js";
import { failure, runNode, statementsDuring } from "./support.js";
import { PostgresTarget, modelName } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});
const testDb = () => (res as unknown as { db: { url: string } }).db;

/** A raw connection as `url`'s role (the application role, or the superuser). */
async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return client;
}

describe.skipIf(!res.ok)(`rls strategy on PostgreSQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  let target: PostgresTarget;
  let db: DataFlow;
  let name: string;
  let table: string;
  const run = (op: string, params: Record<string, unknown>, tenantId: string) => runNode(db, `${name}_${op}`, params, { tenantId });

  beforeAll(async () => {
    target = await new PostgresTarget("rls", res.ok ? (res.db as never) : (undefined as never)).prepare();
    ({ db } = target.open({ pool: { max: 1 } }));
    name = modelName("Invoice");
    table = db.model(name, { id: field.string({ maxLength: 20 }), total: field.int() }, { tenant: true }).table;
    await db.initialize();
    await run("Create", { data: { id: "a1", total: 1 } }, "a");
    await run("Create", { data: { id: "b1", total: 2 } }, "b");
  });
  afterAll(() => target?.dispose());

  it("creates the policy: RLS enabled and forced, USING and WITH CHECK on the transaction-local tenant setting", async () => {
    const [flags] = await target.raw("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass($1)", [`"${table}"`]);
    expect(flags).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
    const policies = await target.raw(
      "SELECT polname, polpermissive, polcmd::text AS cmd, pg_get_expr(polqual, polrelid) AS q, pg_get_expr(polwithcheck, polrelid) AS c FROM pg_policy WHERE polrelid = to_regclass($1)",
      [`"${table}"`],
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ polname: POLICY_NAME, polpermissive: true, cmd: "*" });
    for (const expr of [policies[0]!.q, policies[0]!.c]) expect(String(expr)).toMatch(/tenant_id.*= current_setting\('app\.tenant_id'/);
  });

  it("sets the tenant with set_config(..., true) inside the statement's own transaction", async () => {
    const statements = await statementsDuring(db, () => run("Read", { id: "a1" }, "a"));
    const texts = statements.filter((s) => !s.startsWith("<"));
    expect(texts[0]).toMatch(/^BEGIN/);
    expect(texts[1]).toBe(`SELECT set_config('${TENANT_SETTING}', $1, true)`);
    expect(texts[2]).toMatch(/^SELECT .* FROM "public"\."/);
    expect(texts[3]).toBe("COMMIT");
  });

  it("leaves no tenant setting on the pooled connection after an operation", async () => {
    await run("Read", { id: "a1" }, "a");
    const adapter = db.adapter as DatabaseAdapter;
    const { rows } = await adapter.query(`SELECT current_setting('${TENANT_SETTING}', true) AS tenant`, []);
    expect(rows[0]!.tenant ?? "").toBe("");
  });

  it("enforces isolation in the database itself, for the application role, without the AST filter", async () => {
    const app = await connect(target.appUrl!);
    try {
      const unset = await app.query(`SELECT id FROM "${table}"`).then(
        () => "read",
        (e: Error) => e.message,
      );
      expect(unset).toMatch(/unrecognized configuration parameter "app.tenant_id"/);
      await app.query("BEGIN");
      await app.query(`SELECT set_config('${TENANT_SETTING}', 'b', true)`);
      expect((await app.query(`SELECT id, tenant_id FROM "${table}"`)).rows).toEqual([{ id: "b1", tenant_id: "b" }]);
      expect((await app.query(`UPDATE "${table}" SET total = 0`)).rowCount).toBe(1);
      const smuggle = await app.query(`INSERT INTO "${table}" (id, total, tenant_id, created_at, updated_at) VALUES ('x', 1, 'a', now(), now())`).then(
        () => "inserted",
        (e: Error) => e.message,
      );
      expect(smuggle).toMatch(/row-level security/);
      await app.query("ROLLBACK");
      await app.query("BEGIN");
      await app.query(`SELECT set_config('${TENANT_SETTING}', 'b', true)`);
      await app.query("COMMIT");
      expect((await app.query(`SELECT id FROM "${table}"`)).rows).toEqual([]);
    } finally {
      await app.end();
    }
    expect((await target.rawRows(table)).map((r) => [r.id, r.total]).sort()).toEqual([
      ["a1", "1"],
      ["b1", "2"],
    ]);
  });

  it("refuses to serve two tenants in one transaction", async () => {
    const adapter = db.adapter as DatabaseAdapter;
    const error = await adapter
      .transaction(async () => {
        await run("Read", { id: "a1" }, "a");
        await failure(run("Read", { id: "b1" }, "b")).then((e) => {
          throw e;
        });
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(TenantError);
    expect(error!.message).toMatch(/already serves another tenant/);
  });

  it("refuses a superuser or BYPASSRLS role, and a table with another permissive policy, before touching the table", async () => {
    const superuser = new Flow({ url: target.adminUrl, plugins: [postgres, tenancy({ strategy: "rls" })] });
    const bypass = `df_bypass_${target.prefix.slice(1, -1)}`;
    await target.raw(`CREATE ROLE ${bypass} LOGIN PASSWORD 'bp' NOSUPERUSER BYPASSRLS`);
    await target.raw(`GRANT ALL ON SCHEMA public TO ${bypass}`);
    const bypassUrl = new URL(target.adminUrl);
    bypassUrl.username = bypass;
    bypassUrl.password = "bp";
    const bypassing = new Flow({ url: bypassUrl.toString(), plugins: [postgres, tenancy({ strategy: "rls" })] });
    try {
      for (const [flow, label] of [
        [superuser, "superuser"],
        [bypassing, "BYPASSRLS"],
      ] as const) {
        const m = modelName("Refused");
        const model = flow.model(m, { total: field.int() }, { tenant: true });
        await flow.initialize();
        let error: Error | undefined;
        const statements = await statementsDuring(flow, async () => {
          error = await failure(runNode(flow, `${m}_Create`, { data: { total: 1 } }, { tenantId: "a" }));
        });
        expect(error, label).toBeInstanceOf(TenantError);
        expect(error!.message).toMatch(/bypasses row-level security/);
        expect(
          statements.some((s) => s.includes(model.table)),
          label,
        ).toBe(false);
        expect(await target.raw(`SELECT count(*)::int AS n FROM "${model.table}"`)).toEqual([{ n: 0 }]);
      }
    } finally {
      await superuser.close();
      await bypassing.close();
      await target.raw(`DROP OWNED BY ${bypass}`);
      await target.raw(`DROP ROLE ${bypass}`);
    }
    const { db: widened } = target.open();
    const m = modelName("Widened");
    const model = widened.model(m, { total: field.int() }, { tenant: true });
    await widened.initialize();
    await target.raw(`CREATE POLICY everyone ON "${model.table}" USING (true)`);
    const error = await failure(runNode(widened, `${m}_List`, {}, { tenantId: "a" }));
    expect(error).toBeInstanceOf(TenantError);
    expect(error.message).toMatch(/other permissive policies would widen/);
  });
});
