import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DataFlow } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";
import { runAdapterConformance } from "@dataflow/testing";
import { vectorSqlite } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-vector-sqlite-"));
const file = join(dir, "conformance.db");
const url = `sqlite://${file}`;

runAdapterConformance({
  name: "sqlite + sqlite-vec (file, WAL)",
  createDataFlow: (options) => new DataFlow({ url, plugins: [vectorSqlite()], ...options }),
  skip: [{ test: "hostile: util.inspect of a DataFlow never prints the URL's password", reason: "sqlite: URLs carry no credentials" }],
  worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
  urls: {
    invalid: [`sqlite:${join(dir, "x%zz.db")}`, `sqlite:${join(dir, "bad%E0%A4%A.db")}`, "sqlite://relative.db", `sqlite:${join(dir, "nul%00.db")}`],
  },
  createOracle() {
    const raw = new Database(file);
    raw.defaultSafeIntegers(true);
    const exists = (table: string) => raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
    return {
      rows: async (table) => (exists(table) ? (raw.prepare(`SELECT * FROM "${table}" ORDER BY id`).all() as Record<string, unknown>[]) : []),
      count: async (table) => (exists(table) ? Number((raw.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: bigint }).n) : 0),
      columns: async (table) => (raw.prepare("SELECT name FROM pragma_table_info(?)").all(table) as Array<{ name: string }>).map((c) => c.name),
      close: async () => {
        raw.close();
      },
    };
  },
  vector: {
    createDataFlow: ({ tenancy: withTenancy, vector }) =>
      new DataFlow({ url, plugins: [vectorSqlite(vector as never), ...(withTenancy ? [tenancy({ strategy: "row" })] : [])] }),
    indexMethods: [],
    hybrid: true,
  },
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});
