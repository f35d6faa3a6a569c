import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import initSqlJs from "sql.js";
import { DataFlow } from "@dataflow/kernel";
import { runAdapterConformance } from "@dataflow/testing";
import sqljs from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqljs-conformance-"));
const file = join(dir, "conformance.db");
const url = `sqljs://${file}`;

/** Reads the file as it is now with a separate sql.js database: what any other reader would see. */
async function snapshot<T>(read: (db: import("sql.js").Database) => T): Promise<T> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(existsSync(file) ? readFileSync(file) : undefined);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function all(db: import("sql.js").Database, text: string, params: (string | number)[] = []): Record<string, unknown>[] {
  const stmt = db.prepare(text, params);
  const rows: Record<string, unknown>[] = [];
  while (stmt.step()) rows.push((stmt.getAsObject as (p: null, c: { useBigInt: boolean }) => Record<string, unknown>).call(stmt, null, { useBigInt: true }));
  stmt.free();
  return rows;
}

const exists = (db: import("sql.js").Database, table: string) => all(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).length > 0;

runAdapterConformance({
  name: "@acme/dataflow-sqljs (file)",
  createDataFlow: (options) => new DataFlow({ url, plugins: [sqljs], ...options }),
  worker: { module: new URL("./conformance-worker.mjs", import.meta.url), data: { url } },
  urls: { invalid: [`sqljs:${join(dir, "x%zz.db")}`, "sqljs://relative.db", `sqljs:${join(dir, "nul%00.db")}`] },
  createOracle: () => ({
    rows: (table) => snapshot((db) => (exists(db, table) ? all(db, `SELECT * FROM "${table}" ORDER BY id`) : [])),
    count: (table) => snapshot((db) => (exists(db, table) ? Number(all(db, `SELECT COUNT(*) AS n FROM "${table}"`)[0]!.n) : 0)),
    columns: (table) => snapshot((db) => all(db, "SELECT name FROM pragma_table_info(?)", [table]).map((c) => c.name as string)),
    close: async () => undefined,
  }),
  skip: [{ test: "hostile: util.inspect of a DataFlow never prints the URL's password", reason: "sqljs: URLs carry no credentials" }],
  teardown: async () => rmSync(dir, { recursive: true, force: true }),
});
