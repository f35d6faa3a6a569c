import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFlow } from "@dataflow/kernel";
import { runSqlSchemaSuite } from "@dataflow/testing";
import sqlite from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-schema-"));
const url = `sqlite://${join(dir, "schema.db")}`;

runSqlSchemaSuite({
  name: "sqlite",
  family: "sqlite",
  createDataFlow: (options) => new DataFlow({ url, plugins: [sqlite], ...options }),
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});
