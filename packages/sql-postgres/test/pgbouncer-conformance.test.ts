// The adapter conformance suite through PgBouncer in transaction pooling mode (pool of 2 server
// connections shared by every client), with `?pgbouncer=transaction`. The oracle reads directly.
import { DataFlow } from "@dataflow/kernel";
import { describe, it } from "vitest";
import { runAdapterConformance, usePgbouncerDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { rawClient } from "./support.js";

const res = await usePgbouncerDatabase();

if (res.ok) {
  const url = `${res.db.url}?pgbouncer=transaction`;
  const direct = res.db.directUrl;
  runAdapterConformance({
    name: "postgresql via pgbouncer (transaction pooling)",
    createDataFlow: (options) => new DataFlow({ url, plugins: [postgres], ...options }),
    worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
    urls: {
      invalid: ["postgres://user@127.0.0.1:5432/db?pgbouncer=yes", "postgres://user@127.0.0.1:5432/db?pgbouncer=transaction&statement_timeout=5000"],
      withPassword(password) {
        const u = new URL(url);
        u.username ||= "dataflow";
        u.password = password;
        return u.href;
      },
    },
    async createOracle() {
      const raw = await rawClient(direct);
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
        close: () => raw.end(),
      };
    },
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`postgresql via pgbouncer conformance [${res.reason}]`, () => {
    it("needs PgBouncer in front of a PostgreSQL server", () => {});
  });
}
