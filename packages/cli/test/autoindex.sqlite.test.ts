// SQLite names the index of an inline UNIQUE `sqlite_autoindex_<table>_<n>`, a name no statement may
// create or drop. The dialect reports it as a unique constraint named like DataFlow's own
// (`ux_<table>_<column>`), so pull, generate, apply and check work on such a table.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TestProject } from "./support/project.js";
import { connect, sqliteTarget } from "./support/targets.js";

describe("SQLite inline UNIQUE (autoindex) through pull and migrations", () => {
  const original = sqliteTarget();
  const fresh = sqliteTarget();
  const p = new TestProject(original.url, "");
  afterAll(async () => {
    p.dispose();
    await original.dispose();
    await fresh.dispose();
  });

  async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
    const c = await connect(url);
    try {
      return (await c.adapter.query(text, [])).rows;
    } finally {
      await c.close();
    }
  }

  it("pulls an inline UNIQUE as .unique(), migrates it to a fresh database, and drops it by rebuilding the table", async () => {
    await sql(original.url, "CREATE TABLE members (id INTEGER PRIMARY KEY AUTOINCREMENT, handle TEXT NOT NULL UNIQUE, email TEXT NOT NULL)");
    await sql(original.url, "INSERT INTO members (handle, email) VALUES ('ada', 'ada@example.org')");
    expect((await p.run("pull", "-o", "models.ts")).code).toBe(0);
    const models = p.readFile("models.ts");
    expect(models).toContain("handle: field.text().unique()");
    expect(models).not.toContain("sqlite_autoindex");

    const none = await p.json("migrate", "generate", "init");
    expect(none.code, none.stderr).toBe(0);
    expect(none.body.steps).toEqual([]);
    const baseline = await p.json("migrate", "generate", "baseline", "--from-empty");
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(p.read(baseline.body.id, "up.sql")).toContain(`CREATE UNIQUE INDEX "ux_members_handle" ON "members" ("handle")`);

    // The files build a fresh database with the same unique index.
    p.env = { NO_COLOR: "1", DATABASE_URL: fresh.url };
    const applied = await p.run("migrate", "apply");
    expect(applied.code, applied.stderr).toBe(0);
    await sql(fresh.url, "INSERT INTO members (handle, email) VALUES ('ada', 'a@example.org')");
    await expect(sql(fresh.url, "INSERT INTO members (handle, email) VALUES ('ada', 'b@example.org')")).rejects.toThrow();

    // The original database: the autoindex is the unique index the snapshot names, so check sees no drift.
    p.env = { NO_COLOR: "1" };
    expect((await p.json("migrate", "mark-applied", baseline.body.id)).code).toBe(0);
    const check = await p.json("migrate", "check");
    expect(check.code, check.body.problems?.join("\n")).toBe(0);

    // Dropping the unique: a DROP INDEX cannot remove an inline UNIQUE, so the table is rebuilt, on both databases.
    writeFileSync(join(p.dir, "models.ts"), models.replace("handle: field.text().unique()", "handle: field.text()"));
    const drop = await p.json("migrate", "generate", "drop_unique", "--allow-destructive");
    expect(drop.code, drop.stderr).toBe(0);
    expect(p.read(drop.body.id, "up.sql")).not.toContain("DROP INDEX");
    for (const url of [original.url, fresh.url]) {
      p.env = { NO_COLOR: "1", DATABASE_URL: url };
      const r = await p.run("migrate", "apply");
      expect(r.code, r.stderr).toBe(0);
      await sql(url, "INSERT INTO members (handle, email) VALUES ('ada', 'dup@example.org')");
      expect((await sql(url, "SELECT count(*) AS n FROM members WHERE handle = 'ada'"))[0]?.n).toBe(2);
      expect((await p.json("migrate", "check")).code).toBe(0);
    }
  });
});
