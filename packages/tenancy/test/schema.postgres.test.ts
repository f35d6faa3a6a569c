import { afterAll, describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { useTestDatabase } from "@dataflow/testing";
import { runNode } from "./support.js";
import { schemaStrategyCases } from "./schema.test-cases.js";
import { PostgresTarget, modelName } from "./targets.js";

const res = await useTestDatabase("postgres");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});
const db = () => (res as unknown as { db: never }).db;

describe.skipIf(!res.ok)(`schema strategy on PostgreSQL: a schema per tenant${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  let probe: PostgresTarget | undefined;
  afterAll(() => probe?.dispose());
  const namespaces = async (name: string) => {
    probe ??= await new PostgresTarget("row", db()).prepare();
    return (await probe.raw("SELECT nspname FROM pg_namespace WHERE nspname = $1", [name])).map((r) => String(r.nspname));
  };
  schemaStrategyCases(() => new PostgresTarget("schema", db()).prepare(), namespaces);

  it("continues generated ids after explicit ones in the tenant's own table", async () => {
    const target = await new PostgresTarget("schema", db()).prepare();
    try {
      const { db: flow } = target.open();
      const name = modelName("Counter");
      flow.model(name, { total: field.int() }, { tenant: true });
      await flow.initialize();
      await runNode(flow, `${name}_Create`, { data: { id: 500, total: 1 } }, { tenantId: "ia" });
      const generated = await runNode(flow, `${name}_Create`, { data: { total: 2 } }, { tenantId: "ia" });
      expect(generated.result.id).toBe(501);
    } finally {
      await target.dispose();
    }
  });

  it("names every tenant table explicitly: one prepared statement per tenant, search_path untouched", async () => {
    const target = await new PostgresTarget("schema", db()).prepare();
    try {
      const { db: flow } = target.open({ pool: { max: 1 } });
      const name = modelName("Prepared");
      flow.model(name, { id: field.string({ maxLength: 20 }), total: field.int() }, { tenant: true });
      await flow.initialize();
      for (const tenant of ["pa", "pb", "pa", "pb"]) {
        await runNode(flow, `${name}_Create`, { data: { id: `${tenant}${Math.random()}`.slice(0, 20), total: 1 } }, { tenantId: tenant });
      }
      const adapter = flow.adapter as DatabaseAdapter;
      const { rows } = await adapter.query("SELECT statement FROM pg_prepared_statements", []);
      const texts = rows.map((r) => String(r.statement));
      expect(texts.some((t) => t.includes(`"${target.prefix}pa".`))).toBe(true);
      expect(texts.some((t) => t.includes(`"${target.prefix}pb".`))).toBe(true);
      const path = await adapter.query("SELECT current_setting('search_path') AS p", []);
      expect(String(path.rows[0]!.p)).not.toContain(target.prefix);
    } finally {
      await target.dispose();
    }
  });
});
