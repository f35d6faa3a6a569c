// The adapter conformance suite through PgBouncer in transaction pooling mode (pool of 2 server
// connections shared by every client), with `?pgbouncer=transaction`. The oracle reads directly.
import { DataFlow } from "@dataflow/kernel";
import { describe, it } from "vitest";
import { runAdapterConformance, usePgbouncerDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { postgresOracle, withPassword } from "./support.js";

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
      withPassword: (password) => withPassword(url, password),
    },
    createOracle: () => postgresOracle(direct),
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`postgresql via pgbouncer conformance [${res.reason}]`, () => {
    it("needs PgBouncer in front of a PostgreSQL server", () => {});
  });
}
