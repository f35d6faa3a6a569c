import { DataFlow } from "@dataflow/kernel";
import { runSqlSchemaSuite, useTestDatabase } from "@dataflow/testing";
import { describe, it } from "vitest";
import mysql from "../src/index.js";

const res = await useTestDatabase("mysql");

if (res.ok) {
  const url = res.db.url;
  runSqlSchemaSuite({
    name: "mysql",
    family: "mysql",
    createDataFlow: (options) => new DataFlow({ url, plugins: [mysql], ...options }),
    teardown: () => res.db.dispose(),
  });
} else {
  describe.skip(`mysql schema suite [${res.reason}]`, () => {
    it("needs a server", () => {});
  });
}
