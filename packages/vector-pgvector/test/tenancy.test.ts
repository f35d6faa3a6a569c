import { randomBytes } from "node:crypto";
import type { ExecuteOptions } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, NotFoundError, TenantError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";
import { usePgvectorDatabase } from "@dataflow/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgvector } from "../src/index.js";

/**
 * The vector nodes under the schema and rls tenancy strategies (the row strategy is in the
 * conformance group): no neighbour, hybrid match or update from another tenant, and
 * CreateVectorIndex bound to a tenant.
 */
const res = await usePgvectorDatabase();

type Row = Record<string, any>;

async function runNode(db: DataFlow, type: string, params: Row, options: ExecuteOptions = {}): Promise<any> {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
  return (await new LocalRuntime({ dataflow: db }).execute(wf, options)).results.n;
}

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error instanceof WorkflowExecutionError && error.cause instanceof Error ? error.cause : (error as Error);
  }
  throw new Error("expected the run to fail");
}

/** acme's rows point along +x, globex's along +y; the query is nearest to globex's rows. */
const acme = Array.from({ length: 6 }, (_, i) => ({ body: `acme apple note ${i}`, embedding: [1, 0.1 * i, 0, 0] }));
const globex = Array.from({ length: 6 }, (_, i) => ({ body: `globex apple note ${i}`, embedding: [0.05 * i, 1, 0, 0] }));
const query = [0, 1, 0, 0];

if (res.ok) {
  const adminUrl = res.db.url;
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    // An application role may not create extensions: the database owner creates pgvector once.
    await admin.query("CREATE EXTENSION IF NOT EXISTS vector");
  });
  afterAll(async () => {
    await admin?.end();
    await res.db.dispose();
  });

  for (const strategy of ["schema", "rls"] as const) {
    describe(`vector nodes under the ${strategy} tenancy strategy (PostgreSQL + pgvector)`, () => {
      const suffix = randomBytes(3).toString("hex");
      const prefix = `t${suffix}_`;
      const role = `df_vec_${suffix}`;
      const table = `tdocs_${suffix}`;
      let db: DataFlow;
      const run = (type: string, params: Row, tenantId?: string) => runNode(db, `Doc_${type}`, params, tenantId === undefined ? {} : { tenantId });
      /** A tenant's rows straight from the database (as the superuser, so RLS does not apply). */
      const rawRows = async (tenant: string) =>
        (strategy === "schema"
          ? await admin.query(`SELECT * FROM "${prefix}${tenant}"."${table}" ORDER BY body`)
          : await admin.query(`SELECT * FROM "${table}" WHERE tenant_id = $1 ORDER BY body`, [tenant])
        ).rows as Row[];

      beforeAll(async () => {
        let url = adminUrl;
        if (strategy === "rls") {
          // RLS applies to a role that is neither superuser nor BYPASSRLS.
          const dbName = new URL(adminUrl).pathname.slice(1);
          await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS`);
          await admin.query(`GRANT ALL ON DATABASE "${dbName}" TO ${role}`);
          await admin.query(`GRANT ALL ON SCHEMA public TO ${role}`);
          const app = new URL(adminUrl);
          app.username = role;
          app.password = "app";
          url = app.toString();
        }
        db = new DataFlow({
          url,
          pool: { max: 2 },
          plugins: [
            pgvector({ indexes: { Doc: [{ field: "embedding", method: "hnsw", distance: "cosine", m: 4, efConstruction: 8 }] }, fullText: { Doc: ["body"] } }),
            tenancy(strategy === "schema" ? { strategy, schemaPrefix: prefix } : { strategy }),
          ],
        });
        db.model("Doc", { body: field.text(), embedding: field.vector(4) }, { table, tenant: true });
        await db.initialize();
        expect((await run("VectorInsert", { data: acme }, "acme")).result.inserted).toBe(6);
        expect((await run("VectorInsert", { data: globex }, "globex")).result.inserted).toBe(6);
      });
      afterAll(async () => {
        await db?.close();
        if (strategy === "schema") {
          for (const t of ["acme", "globex"]) await admin.query(`DROP SCHEMA IF EXISTS "${prefix}${t}" CASCADE`);
        } else {
          await admin.query(`DROP TABLE IF EXISTS "${table}"`);
          await admin.query(`DROP OWNED BY ${role}`);
          await admin.query(`DROP ROLE IF EXISTS ${role}`);
        }
      });

      it("VectorSearch returns only the bound tenant's rows, nearest first, even when another tenant's are nearer", async () => {
        const out = await run("VectorSearch", { vector: query, k: 12, distance: "l2" }, "acme");
        expect(out.count).toBe(6);
        expect(out.result.every((r: Row) => r.body.startsWith("acme"))).toBe(true);
        // l2 from [0,1,0,0] to [1, 0.1i, 0, 0] falls as i grows: the oracle order is acme 5..0.
        expect(out.result.map((r: Row) => r.body)).toEqual([5, 4, 3, 2, 1, 0].map((i) => `acme apple note ${i}`));
        const theirs = await run("VectorSearch", { vector: query, k: 3, distance: "l2" }, "globex");
        expect(theirs.result.map((r: Row) => r.body)).toEqual(["globex apple note 0", "globex apple note 1", "globex apple note 2"]);
        expect(await failure(run("VectorSearch", { vector: query, k: 3 }))).toBeInstanceOf(TenantError);
      });

      it("HybridSearch fuses only the bound tenant's text and vector matches", async () => {
        const out = await run("HybridSearch", { vector: query, text: "apple globex", k: 12 }, "acme");
        expect(out.count).toBe(6);
        expect(out.result.every((r: Row) => r.body.startsWith("acme"))).toBe(true);
        expect(await failure(run("HybridSearch", { vector: query, text: "apple" }))).toBeInstanceOf(TenantError);
      });

      it("VectorUpdate by filter and by id changes only the bound tenant's rows", async () => {
        const before = await rawRows("globex");
        const all = await run("VectorUpdate", { filter: {}, all: true, vector: [0, 0, 1, 0] }, "acme");
        expect(all.result.updated).toBe(6);
        const globexId = Number(before[0]!.id);
        const acmeIds = (await rawRows("acme")).map((r) => Number(r.id));
        if (!acmeIds.includes(globexId)) {
          // Another tenant's id is not found for this tenant (the ids of the schema strategy's tables may coincide).
          expect(await failure(run("VectorUpdate", { id: globexId, vector: [0, 0, 0, 1] }, "acme"))).toBeInstanceOf(NotFoundError);
        }
        const after = await rawRows("globex");
        expect(after.map((r) => r.embedding)).toEqual(before.map((r) => r.embedding));
        expect((await rawRows("acme")).every((r) => r.embedding === "[0,0,1,0]")).toBe(true);
        const near = await run("VectorSearch", { vector: [0, 0, 1, 0], k: 12, distance: "l2" }, "globex");
        expect(near.result.every((r: Row) => r.body.startsWith("globex"))).toBe(true);
      });

      it("VectorInsert cannot write into another tenant", async () => {
        const spoof = await failure(run("VectorInsert", { data: [{ body: "spoof", embedding: [1, 1, 1, 1], tenant_id: "globex" }] }, "acme"));
        expect(spoof).toBeInstanceOf(TenantError);
        expect((await rawRows("globex")).some((r) => r.body === "spoof")).toBe(false);
      });

      it(
        strategy === "schema"
          ? "declared indexes exist in every tenant's schema; CreateVectorIndex needs a tenant and builds in that tenant's schema only"
          : "CreateVectorIndex needs a tenant and builds the index on the shared table (every tenant's rows)",
        async () => {
          const indexes = async () =>
            (await admin.query("SELECT schemaname, indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1, 2", [table])).rows.map(
              (r) => `${r.schemaname === "public" ? "" : `${String(r.schemaname).slice(prefix.length)}.`}${r.indexname}`,
            );
          const declared = `${table}_embedding_hnsw_cosine`;
          expect(await indexes()).toEqual(
            strategy === "schema" ? expect.arrayContaining([`acme.${declared}`, `globex.${declared}`]) : expect.arrayContaining([declared]),
          );
          expect(await failure(run("CreateVectorIndex", { method: "ivfflat", distance: "l2", lists: 1 }))).toBeInstanceOf(TenantError);
          const made = await run("CreateVectorIndex", { method: "ivfflat", distance: "l2", lists: 1 }, "acme");
          expect(made.result).toEqual({ name: `${table}_embedding_ivfflat_l2`, created: true });
          const ivf = (await indexes()).filter((n) => n.endsWith("ivfflat_l2"));
          expect(ivf).toEqual(strategy === "schema" ? [`acme.${table}_embedding_ivfflat_l2`] : [`${table}_embedding_ivfflat_l2`]);
          const again = await run("CreateVectorIndex", { method: "ivfflat", distance: "l2", lists: 1 }, strategy === "schema" ? "globex" : "acme");
          expect(again.result.created).toBe(strategy === "schema");
        },
      );
    });
  }
} else {
  describe.skip(`vector nodes under the schema and rls tenancy strategies (skipped: ${res.reason})`, () => {
    it("needs PostgreSQL with pgvector", () => {});
  });
}
