import { DataFlow } from "@dataflow/kernel";
import { describe, it } from "vitest";
import { runAdapterConformance, useTestDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { postgresOracle, withPassword } from "./support.js";

const res = await useTestDatabase("postgres");

if (res.ok) {
  const url = res.db.url;
  runAdapterConformance({
    name: "postgresql",
    createDataFlow: (options) => new DataFlow({ url, plugins: [postgres], ...options }),
    worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
    urls: {
      invalid: [
        "postgres://user:p%zz@127.0.0.1:5432/db",
        "postgres://us%E0%A4er@127.0.0.1:5432/db", // a truncated UTF-8 sequence
        "postgresql://user@127.0.0.1:5432/db%zz",
        "postgres://user@127.0.0.1:99999/db",
        "postgres://user@127.0.0.1:54x2/db",
        "postgresql://user@[::1/db",
      ],
      withPassword: (password) => withPassword(url, password),
    },
    createOracle: () => postgresOracle(url, { connections: true }),
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`postgresql conformance [${res.reason}]`, () => {
    it("needs a PostgreSQL server", () => {});
  });
}
