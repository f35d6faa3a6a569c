// An inline UNIQUE gets SQLite's internal index name sqlite_autoindex_<table>_<n>; the catalog reports
// it as the unique constraint DataFlow would name ux_<table>_<columns>, so a `.unique()` model field
// matches it and auto-migration adds no second index.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFlow, field } from "@dataflow/kernel";
import { afterAll, describe, expect, it } from "vitest";
import sqlite from "../src/index.js";

describe("inline UNIQUE constraints", () => {
  const dir = mkdtempSync(join(tmpdir(), "df-sqlite-autoindex-"));
  const url = `sqlite://${join(dir, "app.db")}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are reported as ux_<table>_<columns> by discovery and the index catalog; a .unique() field adds no second index", async () => {
    const raw = new DataFlow({ url, plugins: [sqlite], autoMigrate: false });
    try {
      await raw.adapter.connect();
      const exec = raw.adapter as unknown as { query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };
      await exec.query(
        "CREATE TABLE members (id INTEGER PRIMARY KEY AUTOINCREMENT, handle TEXT NOT NULL UNIQUE, a TEXT, b TEXT, created_at TEXT, updated_at TEXT, UNIQUE (a, b))",
        [],
      );
      const table = (await raw.discoverSchema()).tables.find((t) => t.name === "members");
      expect(table?.uniques).toEqual([
        { name: "ux_members_a_b", columns: ["a", "b"], unique: true },
        { name: "ux_members_handle", columns: ["handle"], unique: true },
      ]);
    } finally {
      await raw.close();
    }
    const app = new DataFlow({ url, plugins: [sqlite] });
    try {
      app.model("Member", { handle: field.text().unique(), a: field.text().optional(), b: field.text().optional() }, { table: "members" });
      await app.initialize();
      const exec = app.adapter as unknown as { query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };
      const { rows } = await exec.query("SELECT name FROM pragma_index_list('members') ORDER BY name", []);
      expect(rows.map((r) => r.name)).toEqual(["sqlite_autoindex_members_1", "sqlite_autoindex_members_2"]);
    } finally {
      await app.close();
    }
  });
});
