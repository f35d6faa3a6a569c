import { DataFlow } from "@dataflow/kernel";
import { runSqlSchemaSuite, useTestDatabase } from "@dataflow/testing";
import { describe, it } from "vitest";
import postgres from "../src/index.js";

const res = await useTestDatabase("postgres");

if (res.ok) {
  const url = res.db.url;
  runSqlSchemaSuite({
    name: "postgresql",
    family: "postgresql",
    createDataFlow: (options) => new DataFlow({ url, plugins: [postgres], ...options }),
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`postgresql schema suite [${res.reason}]`, () => {
    it("needs a server", () => {});
  });
}
