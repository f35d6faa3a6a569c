// Raw SQL under tenancy's rls strategy (docs/operating.md, "Raw SQL and tenants"). DATABASE_URL: a
// PostgreSQL database and a role that may create roles; the script creates an application role
// subject to row-level security (NOSUPERUSER NOBYPASSRLS), works as it, and drops it at the end.
import { DataFlow, LocalRuntime, WorkflowBuilder, defineNode, field } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";

const adminUrl = process.env.DATABASE_URL;
if (!adminUrl?.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL database (a role that may CREATE ROLE)");
const admin = new DataFlow({ url: adminUrl });
await admin.sql`DROP TABLE IF EXISTS invoices`;
await admin.sql`DROP ROLE IF EXISTS df_demo_app`;
await admin.sql`CREATE ROLE df_demo_app LOGIN PASSWORD 'demo' NOSUPERUSER NOBYPASSRLS`;
await admin.sql`GRANT CREATE, USAGE ON SCHEMA public TO df_demo_app`;
const appUrl = new URL(adminUrl);
appUrl.username = "df_demo_app";
appUrl.password = "demo";

const tenants = tenancy({ strategy: "rls" });
const db = new DataFlow({ url: appUrl.toString(), plugins: [tenants], pool: { max: 1 } });
const Invoice = db.model("Invoice", { number: field.string(), total: field.int() }, { tenant: true });
const runtime = new LocalRuntime({ dataflow: db });
for (const [tenantId, number, total] of [
  ["acme", "A-1", 100],
  ["acme", "A-2", 250],
  ["globex", "G-1", 999],
] as const) {
  await runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(Invoice.nodes.Create, "add", { data: { number, total } }).build(), { tenantId });
}

// A custom node with raw SQL and no tenant filter in its text: the policy filters it.
const totals = defineNode({
  type: "InvoiceTotals",
  params: {},
  run: async (_params, ctx) => {
    const rows = await db.sql.with(ctx)<{ tenant_id: string; n: number; sum: number }>`
      SELECT tenant_id, COUNT(*)::int AS n, SUM(${db.sql.id("total")})::int AS sum FROM ${db.sql.id(Invoice.table)} GROUP BY tenant_id`;
    return { rows };
  },
});
const report = new WorkflowBuilder({ dataflow: db }).addNode(totals, "totals", {}).build();
for (const tenantId of ["acme", "globex"]) {
  const { results } = await runtime.execute(report, { tenantId });
  console.log(`tenant ${tenantId}: ${JSON.stringify((results as { totals: { rows: unknown } }).totals.rows)}`);
}
console.log(`tenancy.run("globex"): ${JSON.stringify(await tenants.run("globex", () => db.sql`SELECT number FROM ${db.sql.id(Invoice.table)}`))}`);
console.log(`no tenant, same pooled connection: ${JSON.stringify(await db.sql`SELECT number FROM ${db.sql.id(Invoice.table)}`)}`);
const [setting] = await db.sql<{ tenant: string | null }>`SELECT current_setting(${"app.tenant_id"}, true) AS tenant`;
console.log(`app.tenant_id on the pooled connection after the runs: ${JSON.stringify(setting!.tenant)}`);
const fresh = new DataFlow({ url: appUrl.toString(), plugins: [tenancy({ strategy: "rls" })] });
await fresh.sql`SELECT number FROM ${fresh.sql.id(Invoice.table)}`.catch((error: Error) =>
  console.log(`no tenant, fresh connection: ${error.name}: ${error.message}`),
);

await fresh.close();
await db.close();
await admin.sql`DROP TABLE IF EXISTS invoices`;
await admin.sql`DROP OWNED BY df_demo_app`;
await admin.sql`DROP ROLE df_demo_app`;
await admin.close();
