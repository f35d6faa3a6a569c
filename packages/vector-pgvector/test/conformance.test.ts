import { DataFlow } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";
import { runAdapterConformance, usePgvectorDatabase } from "@dataflow/testing";
import pg from "pg";
import { describe, it } from "vitest";
import { pgvector } from "../src/index.js";

const res = await usePgvectorDatabase();

if (res.ok) {
  const url = res.db.url;
  runAdapterConformance({
    name: "postgresql + pgvector",
    createDataFlow: (options) => new DataFlow({ url, plugins: [pgvector()], ...options }),
    worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
    urls: {
      invalid: ["postgres://user:p%zz@127.0.0.1:5432/db", "postgres://user@127.0.0.1:99999/db", "postgresql://user@[::1/db"],
      withPassword(password) {
        const u = new URL(url);
        u.username ||= "dataflow";
        u.password = password;
        return u.href;
      },
    },
    async createOracle() {
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      const exists = async (table: string) =>
        (await raw.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", [table])).rowCount! > 0;
      const q = (table: string) => `"${table.replace(/"/g, '""')}"`;
      return {
        rows: async (table) => ((await exists(table)) ? (await raw.query(`SELECT * FROM ${q(table)} ORDER BY id`)).rows : []),
        count: async (table) => ((await exists(table)) ? Number((await raw.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).rows[0].n) : 0),
        columns: async (table) =>
          (
            await raw.query(
              "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
              [table],
            )
          ).rows.map((r: { column_name: string }) => r.column_name),
        connections: async () =>
          Number((await raw.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0].n),
        close: () => raw.end(),
      };
    },
    vector: {
      createDataFlow: ({ tenancy: withTenancy, vector }) =>
        new DataFlow({ url, plugins: [pgvector(vector as never), ...(withTenancy ? [tenancy({ strategy: "row" })] : [])] }),
      indexMethods: ["hnsw", "ivfflat"],
      hybrid: true,
    },
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`pgvector conformance [${res.reason}]`, () => {
    it("needs PostgreSQL with pgvector", () => {});
  });
}
