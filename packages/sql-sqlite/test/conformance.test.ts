import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DataFlow } from "@dataflow/kernel";
import { runAdapterConformance } from "@dataflow/testing";
import sqlite from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-conformance-"));
const url = `sqlite://${join(dir, "conformance.db")}`;

runAdapterConformance({
  name: "sqlite (file, WAL)",
  createDataFlow: (options) => new DataFlow({ url, plugins: [sqlite], ...options }),
  worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
  urls: {
    invalid: [`sqlite:${join(dir, "x%zz.db")}`, `sqlite:${join(dir, "bad%E0%A4%A.db")}`, "sqlite://relative.db", `sqlite:${join(dir, "nul%00.db")}`],
  },
  createOracle() {
    const raw = new Database(join(dir, "conformance.db"));
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
  skip: [{ test: "hostile: util.inspect of a DataFlow never prints the URL's password", reason: "sqlite: URLs carry no credentials" }],
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});
