// The migration behaviour every SQL database must show, through the real `dataflow` bin in child
// processes: the round trip, renames and expand/contract type changes with data, refused
// destructive steps, down, tampered and out-of-order files, the two-process race and the killed apply.
import { randomBytes } from "node:crypto";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { TestProject } from "./project.js";
import type { MigrationTarget } from "./targets.js";
import { connect } from "./targets.js";

/** `target`: the database, or why there is none (the suite is then skipped with that reason). `only`: a subset of the tests. */
export function migrationSuite(title: string, target: MigrationTarget | string, only?: readonly string[]): void {
  const t = typeof target === "string" ? undefined : target;
  const skipReason = typeof target === "string" ? target : undefined;
  const projects: TestProject[] = [];
  // Tests outside `only` are not declared at all (rather than skipped without a reason).
  const ignore = (() => undefined) as unknown as typeof it;
  const wanted = (name: string) => (only === undefined || only.includes(name) ? it : ignore);

  afterAll(async () => {
    await t?.dispose();
  });
  afterEach(() => {
    for (const p of projects.splice(0)) p.dispose();
  });

  /** A project with its own history table, so tests sharing a database do not see each other's migrations. */
  function project(models: string): TestProject {
    if (!t) throw new Error(`no database: ${skipReason}`);
    const p = new TestProject(t.url, models, `history_${randomBytes(4).toString("hex")}`);
    projects.push(p);
    return p;
  }

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    const c = await connect((t as MigrationTarget).url);
    try {
      return (await c.adapter.query(sql, [])).rows;
    } finally {
      await c.close();
    }
  }

  async function columns(table: string): Promise<string[]> {
    const c = await connect((t as MigrationTarget).url);
    try {
      const q = c.adapter.dialect.catalog.columns(table);
      return (await c.adapter.query(q.text, q.params)).rows.map((r) => String(r.name)).sort();
    } finally {
      await c.close();
    }
  }

  /** The table's foreign keys as `db.discoverSchema()` reports them. */
  async function foreignKeys(table: string): Promise<{ columns: readonly string[] }[]> {
    const { DataFlow } = await import("@dataflow/kernel");
    const db = new DataFlow({ url: (t as MigrationTarget).url, autoMigrate: false });
    try {
      const schema = await db.discoverSchema();
      return [...(schema.tables.find((x) => x.name === table)?.foreignKeys ?? [])];
    } finally {
      await db.close();
    }
  }

  describe.skipIf(t === undefined)(`${title}${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
    wanted("round trip")("generate, apply, status and check: a round trip with --json and exit codes", async () => {
      const p = project(`db.model("Account", { name: field.string(), email: field.string().unique(), age: field.int().optional() });`);
      const gen = await p.json("migrate", "generate", "init");
      expect(gen.code).toBe(0);
      expect(gen.body.id).toMatch(/^\d{14}_init$/);
      expect(p.read(gen.body.id, "up.sql")).toContain("CREATE TABLE");
      expect(p.read(gen.body.id, "down.sql")).toContain("DROP TABLE");

      const pendingCheck = await p.json("migrate", "check");
      expect(pendingCheck.code).toBe(1);
      expect(pendingCheck.body.problems).toContain(`pending: ${gen.body.id}`);

      const applied = await p.json("migrate", "apply");
      expect(applied.code).toBe(0);
      expect(applied.body.applied.map((a: { id: string }) => a.id)).toEqual([gen.body.id]);
      expect(applied.stderr).toContain(`applying ${gen.body.id}`);
      expect(await columns("accounts")).toEqual(["age", "created_at", "email", "id", "name", "updated_at"]);

      const status = await p.json("migrate", "status");
      expect(status.body.applied.map((a: { id: string }) => a.id)).toEqual([gen.body.id]);
      expect(status.body.pending).toEqual([]);
      const check = await p.run("migrate", "check");
      expect(check.code, check.stdout + check.stderr).toBe(0);

      const again = await p.json("migrate", "generate", "nothing");
      expect(again.code).toBe(0);
      expect(again.body.id).toBeUndefined();
      expect(p.migrations()).toEqual([gen.body.id]);

      // The models move ahead of the files: check fails until a migration is generated.
      p.setModels(
        `db.model("Account", { name: field.string(), email: field.string().unique(), age: field.int().optional(), city: field.string().optional() });`,
      );
      const ahead = await p.json("migrate", "check");
      expect(ahead.code).toBe(1);
      expect(ahead.body.problems.join("\n")).toContain("add column accounts.city");

      // Drift: a column added behind the migrations' back.
      p.setModels(`db.model("Account", { name: field.string(), email: field.string().unique(), age: field.int().optional() });`);
      await rows(`ALTER TABLE accounts ADD COLUMN stray INTEGER`);
      const drift = await p.json("migrate", "check");
      expect(drift.code).toBe(1);
      expect(drift.body.problems).toContain("drift: column accounts.stray exists in the database but in no migration");
    });

    wanted("foreign keys")(
      "references() in migration files: the same foreign keys as auto-migration, a typed violation, a refused drop, and down restoring them",
      async () => {
        const authors = `const Author = db.model("FkAuthor", { name: field.string() });`;
        const v1 = `${authors}\ndb.model("FkBook", { title: field.string(), author_id: field.int().references(Author, { onDelete: "cascade" }) });`;
        const v2 = `${authors}\ndb.model("FkBook", { title: field.string(), author_id: field.int().references(Author, { onDelete: "cascade" }), editor_id: field.int().optional().references(Author, { onDelete: "set null" }) });`;
        const v3 = `${authors}\ndb.model("FkBook", { title: field.string(), author_id: field.int().references(Author, { onDelete: "cascade" }), editor_id: field.int().optional() });`;
        const p = project(v1);
        const m1 = await p.json("migrate", "generate", "init");
        expect(m1.code, JSON.stringify(m1.body)).toBe(0);
        expect(p.read(m1.body.id, "up.sql")).toMatch(
          /CONSTRAINT .fk_fk_books_author_id. FOREIGN KEY \(.author_id.\) REFERENCES .fk_authors. \(.id.\) ON DELETE CASCADE/,
        );
        expect(JSON.parse(p.read(m1.body.id, "snapshot.json")).tables.find((x: { table: string }) => x.table === "fk_books").foreignKeys).toEqual([
          expect.objectContaining({ name: "fk_fk_books_author_id", column: "author_id", referencedTable: "fk_authors", onDelete: "CASCADE" }),
        ]);
        expect((await p.run("migrate", "apply")).code).toBe(0);

        // A violation on the database built from the files is typed and names the field.
        const { DataFlow, field, ForeignKeyViolationError } = await import("@dataflow/kernel");
        const app = new DataFlow({ url: (t as MigrationTarget).url, existingSchemaMode: true });
        const Author = app.model("FkAuthor", { name: field.string() });
        app.model("FkBook", {
          title: field.string(),
          author_id: field.int().references(Author, { onDelete: "cascade" }),
        });
        try {
          const { failureOf, runNode } = await import("@dataflow/testing");
          const error = await failureOf(runNode(app, "FkBook_Create", { data: { title: "Orphan", author_id: 999_999 } }));
          expect(error).toBeInstanceOf(ForeignKeyViolationError);
          expect((error as { field?: string }).field).toBe("author_id");
        } finally {
          await app.close();
        }

        p.setModels(v2);
        const m2 = await p.json("migrate", "generate", "editor");
        expect(m2.code, JSON.stringify(m2.body)).toBe(0);
        expect(m2.body.steps.map((s: { description: string }) => s.description)).toContain(
          "add foreign key fk_fk_books_editor_id (editor_id -> fk_authors.id, on delete set null, on update no action) on fk_books",
        );
        expect(p.read(m2.body.id, "up.sql")).toMatch(
          (t as MigrationTarget).name === "sqlite" ? /rebuild fk_books/ : /ADD CONSTRAINT .fk_fk_books_editor_id. FOREIGN KEY/,
        );
        expect((await p.run("migrate", "apply")).code).toBe(0);
        const fromFiles = await foreignKeys("fk_books");
        expect(fromFiles.map((k) => k.columns[0])).toEqual(["author_id", "editor_id"]);
        const clean = await p.json("migrate", "check");
        expect(clean.code, clean.body.problems?.join("\n")).toBe(0);

        // Dropping a foreign key is destructive: refused with what it loses, written with the flag.
        p.setModels(v3);
        const refused = await p.run("migrate", "generate", "no_editor_key");
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          "drops foreign key fk_fk_books_editor_id on fk_books.editor_id: rows may then reference fk_authors rows that do not exist",
        );
        const m3 = await p.json("migrate", "generate", "no_editor_key", "--allow-destructive");
        expect(m3.code, JSON.stringify(m3.body)).toBe(0);
        expect((await p.run("migrate", "apply")).code).toBe(0);
        expect((await foreignKeys("fk_books")).map((k) => k.columns[0])).toEqual(["author_id"]);

        // down.sql restores the key, then removes the column and the tables.
        expect((await p.json("migrate", "down", "--to", m2.body.id)).code).toBe(0);
        expect(await foreignKeys("fk_books")).toEqual(fromFiles);
        expect((await p.json("migrate", "down", "--to", "0")).code).toBe(0);
        expect(await columns("fk_books")).toEqual([]);

        // Auto-migration of the same models on the now empty database creates the same keys.
        const dev = new DataFlow({ url: (t as MigrationTarget).url });
        const DevAuthor = dev.model("FkAuthor", { name: field.string() });
        dev.model("FkBook", {
          title: field.string(),
          author_id: field.int().references(DevAuthor, { onDelete: "cascade" }),
          editor_id: field.int().optional().references(DevAuthor, { onDelete: "set null" }),
        });
        await dev.initialize();
        await dev.close();
        expect(await foreignKeys("fk_books")).toEqual(fromFiles);
        await rows("DROP TABLE fk_books");
        await rows("DROP TABLE fk_authors");
      },
    );

    wanted("live types")("the live column types: a column altered by hand is drift, and the first migration diffs against the live type", async () => {
      const p = project(`db.model("Gauge", { n: field.int(), label: field.string() });`);
      expect((await p.run("migrate", "generate", "init")).code).toBe(0);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      expect((await p.run("migrate", "check")).code).toBe(0);
      await rows("ALTER TABLE gauges DROP COLUMN n");
      await rows("ALTER TABLE gauges ADD COLUMN n TEXT");
      const drift = await p.json("migrate", "check");
      expect(drift.code).toBe(1);
      expect(drift.body.problems.join("\n")).toMatch(
        /drift: column gauges\.n is \w+ \(text\) in the database, but the migrations make it \w+ \((int|bigint)\)/,
      );

      // Before any migration the plan starts from the live table: a string column the model now declares int is a type change.
      const { DataFlow, field } = await import("@dataflow/kernel");
      const dev = new DataFlow({ url: (t as MigrationTarget).url });
      dev.model("Dial", { level: field.string() });
      await dev.initialize();
      await dev.close();
      const q = project(`db.model("Dial", { level: field.int() });`);
      const retyped = await q.run("migrate", "generate", "init");
      expect(retyped.code, retyped.stdout).toBe(1);
      expect(retyped.stderr).toContain("narrows dials.level");
      await rows("DROP TABLE dials");
    });

    wanted("help")("every command has --help; unknown options are usage errors (exit 2)", async () => {
      const p = project(`db.model("Helpme", { name: field.string() });`);
      for (const args of [
        ["--help"],
        ["migrate", "--help"],
        ["migrate", "generate", "--help"],
        ["migrate", "apply", "--help"],
        ["migrate", "status", "--help"],
        ["migrate", "check", "--help"],
        ["migrate", "down", "--help"],
      ]) {
        const r = await p.run(...args);
        expect(r.code, args.join(" ")).toBe(0);
        expect(r.stdout).toContain("Usage: dataflow");
      }
      expect((await p.run("migrate", "apply", "--no-such-option")).code).toBe(2);
      // Not a terminal: no colour even when NO_COLOR is unset.
      p.env = {};
      const plain = await p.run("migrate", "check");
      expect(plain.code).toBe(1);
      expect(plain.stdout).toContain("no migration files yet");
      expect(plain.stdout + plain.stderr).not.toContain("\u001b[");
      p.env = { NO_COLOR: "1" };
      expect((await p.run("migrate", "down")).code).toBe(2);
      expect((await p.run("migrate")).code).toBe(2);
      expect((await p.run("migrate", "apply", "--lock-timeout", "soon")).code).toBe(2);
      const noConfig = await p.run("migrate", "status", "--config", "missing.config.ts", "--json");
      expect(noConfig.code).toBe(2);
      expect(JSON.parse(noConfig.stdout).error.code).toBe("CONFIG_ERROR");
    });

    wanted("baseline")("a database that grew with auto-migration: generate --from-empty, mark-applied, then check is clean", async () => {
      const models = `db.model("Grown", { title: field.string(), rank: field.int().index() });`;
      const p = project(models);
      const { DataFlow, field } = await import("@dataflow/kernel");
      const dev = new DataFlow({ url: (t as MigrationTarget).url });
      dev.model("Grown", { title: field.string(), rank: field.int().index() });
      await dev.initialize();
      await dev.close();

      const against = await p.json("migrate", "generate", "init");
      expect(against.body.id).toBeUndefined();
      const init = await p.json("migrate", "generate", "init", "--from-empty");
      expect(init.code).toBe(0);
      expect(init.body.baseline).toBe("empty");
      expect(p.read(init.body.id, "up.sql")).toMatch(/CREATE TABLE .grown/);
      expect((await p.run("migrate", "apply")).code).toBe(1);
      expect((await p.json("migrate", "mark-applied", init.body.id)).code).toBe(0);
      expect((await p.json("migrate", "status")).body.applied.map((a: { id: string }) => a.id)).toEqual([init.body.id]);
      const check = await p.json("migrate", "check");
      expect(check.code, check.body.problems?.join("\n")).toBe(0);
      expect((await p.json("migrate", "mark-applied", init.body.id)).body.error.message).toContain("already recorded");
    });

    wanted("rename")("a renamed field becomes a RENAME; a type change is expand/contract and keeps every value", async () => {
      const p = project(`db.model("Person", { name: field.string(), age: field.string() });`);
      expect((await p.run("migrate", "generate", "init")).code).toBe(0);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      await rows(`INSERT INTO people (name, age) VALUES ('Ann', '41'), ('Bob', '7')`);

      p.setModels(`db.model("Person", { full_name: field.string().renamedFrom("name"), age: field.int() });`);
      // string -> int narrows: refused until allowed, though expand/contract keeps the old values.
      const narrowing = await p.run("migrate", "generate", "rename_and_retype");
      expect(narrowing.code).toBe(1);
      expect(narrowing.stderr).toContain("narrows people.age");
      const gen = await p.json("migrate", "generate", "rename_and_retype", "--allow-destructive");
      expect(gen.code, JSON.stringify(gen.body)).toBe(0);
      const up = p.read(gen.body.id, "up.sql");
      expect(up).toMatch(/RENAME COLUMN .name. TO .full_name./);
      expect(up).not.toMatch(/DROP COLUMN/);
      expect(up).toContain("age__new");
      expect((await p.run("migrate", "apply")).code).toBe(0);
      const after = await rows(`SELECT full_name, age, age__old FROM people ORDER BY full_name`);
      expect(after.map((r) => [r.full_name, Number(r.age), String(r.age__old)])).toEqual([
        ["Ann", 41, "41"],
        ["Bob", 7, "7"],
      ]);
      // The new code can insert rows without the retired column.
      await rows(`INSERT INTO people (full_name, age) VALUES ('Cy', 3)`);
      const check = await p.json("migrate", "check");
      expect(check.code, check.body.problems?.join("\n")).toBe(0);
      expect(check.body.retired).toEqual(["people.age__old"]);

      // Contract: dropping the retired column is destructive, so it needs the flag.
      const refused = await p.json("migrate", "generate", "contract");
      expect(refused.code).toBe(1);
      expect(refused.body.error.code).toBe("DESTRUCTIVE_CHANGE");
      const contract = await p.json("migrate", "generate", "contract", "--allow-destructive");
      expect(p.read(contract.body.id, "up.sql")).toMatch(/DROP COLUMN .age__old./);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      expect(await columns("people")).toEqual(["age", "created_at", "full_name", "id", "updated_at"]);
    });

    wanted("destructive")("destructive steps are refused with a plan that says what data each loses", async () => {
      const p = project(`db.model("Item", { code: field.string().unique(), note: field.string().optional() });`);
      expect((await p.run("migrate", "generate", "init")).code).toBe(0);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      await rows(`INSERT INTO items (code, note) VALUES ('a', 'kept'), ('b', 'also')`);
      const before = p.migrations();

      p.setModels(`db.model("Item", { code: field.string(), size: field.int() });`);
      const r = await p.run("migrate", "generate", "shrink");
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("drops column items.note and its 2 non-NULL values");
      expect(r.stderr).toContain("drops unique index ux_items_code on items (code): duplicate values become possible");
      expect(r.stderr).toContain("items has 2 rows and the new NOT NULL column size has no default");
      expect(r.stderr).toContain("--allow-destructive");
      expect(p.migrations()).toEqual(before);

      const json = await p.json("migrate", "generate", "shrink");
      expect(json.body.error.code).toBe("DESTRUCTIVE_CHANGE");
      expect(json.body.error.steps.filter((s: { destructive?: string }) => s.destructive).length).toBe(3);

      p.setModels(`db.model("Item", { code: field.string().unique() });`);
      const allowed = await p.json("migrate", "generate", "drop_note", "--allow-destructive");
      expect(allowed.code).toBe(0);
      expect(p.read(allowed.body.id, "up.sql")).toContain("-- DESTRUCTIVE: drops column items.note and its 2 non-NULL values");
    });

    wanted("down")("down --to reverts newer migrations with their down.sql", async () => {
      const p = project(`db.model("Ledger", { total: field.int() });`);
      const m1 = (await p.json("migrate", "generate", "init")).body.id as string;
      p.setModels(`db.model("Ledger", { total: field.int(), memo: field.text().optional() });`);
      const m2 = (await p.json("migrate", "generate", "memo")).body.id as string;
      expect(m2 > m1).toBe(true);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      expect(await columns("ledgers")).toContain("memo");

      const down = await p.json("migrate", "down", "--to", m1);
      expect(down.code).toBe(0);
      expect(down.body.reverted).toEqual([m2]);
      expect(await columns("ledgers")).not.toContain("memo");
      expect((await p.json("migrate", "status")).body.pending).toEqual([m2]);
      expect((await p.json("migrate", "down", "--to", "20000101000000_nope")).code).toBe(1);
      expect((await p.run("migrate", "apply")).code).toBe(0);
      expect(await columns("ledgers")).toContain("memo");
    });

    wanted("tampered")("an edited applied file, a missing one and a file ordered before an applied one are refused", async () => {
      const p = project(`db.model("Tag", { label: field.string() });`);
      const id = (await p.json("migrate", "generate", "init")).body.id as string;
      expect((await p.run("migrate", "apply")).code).toBe(0);
      const original = p.read(id, "up.sql");

      p.write(id, "up.sql", `${original}\nCREATE INDEX ix_sneaky ON tags (label);\n`);
      const refused = await p.run("migrate", "apply");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`Migration ${id} was changed after it was applied`);
      expect(refused.stderr).toContain("git checkout");
      const check = await p.json("migrate", "check");
      expect(check.code).toBe(1);
      expect(check.body.problems).toContain(`edited after apply: ${id} (checksum changed)`);
      p.write(id, "up.sql", original);
      expect((await p.run("migrate", "check")).code).toBe(0);

      p.write("20000101000000_early", "up.sql", "CREATE TABLE early_table (id INTEGER);\n");
      const early = await p.run("migrate", "apply");
      expect(early.code).toBe(1);
      expect(early.stderr).toContain(`Migration 20000101000000_early is ordered before ${id}, which is already applied`);
      expect((await p.json("migrate", "check")).body.problems).toContain(`out of order: 20000101000000_early sorts before the applied ${id}`);
      rmSync(join(p.migrationsDir, "20000101000000_early"), { recursive: true });

      renameSync(join(p.migrationsDir, id), join(p.dir, "moved-away"));
      const missing = await p.json("migrate", "check");
      expect(missing.code).toBe(1);
      expect(missing.body.problems).toContain(`missing: ${id} is applied but its folder is gone`);
      expect((await p.run("migrate", "apply")).stderr).toContain(`Migration ${id} is applied but its folder`);
    });

    wanted("race")("two processes applying at once: each file is applied exactly once, and both exit 0", async () => {
      const p = project(`db.model("Racer", { name: field.string() });`);
      const tables = `racer_${randomBytes(3).toString("hex")}`;
      p.write("20260101000001_slow", "up.sql", `${(t as MigrationTarget).slowStatement};\nCREATE TABLE ${tables}_a (id INTEGER);\n`);
      p.write("20260101000002_next", "up.sql", `CREATE TABLE ${tables}_b (id INTEGER);\n`);
      const a = p.start("migrate", "apply", "--json");
      await a.waitFor("20260101000001_slow: statement 1/2");
      const b = p.start("migrate", "apply", "--json");
      const [ra, rb] = await Promise.all([a.done, b.done]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      const appliedBy = [JSON.parse(ra.stdout), JSON.parse(rb.stdout)].flatMap((body) => body.applied.map((x: { id: string }) => x.id)).sort();
      expect(appliedBy).toEqual(["20260101000001_slow", "20260101000002_next"]);
      const status = await p.json("migrate", "status");
      expect(status.body.applied.map((x: { id: string }) => x.id)).toEqual(["20260101000001_slow", "20260101000002_next"]);
      expect(await columns(`${tables}_a`)).toEqual(["id"]);
    });

    wanted("killed")("a process killed mid-apply leaves a state the next apply reports and recovers from", async () => {
      const p = project(`db.model("Crash", { name: field.string() });`);
      const tables = `crash_${randomBytes(3).toString("hex")}`;
      const id = "20260101000001_crash";
      p.write(id, "up.sql", `CREATE TABLE ${tables}_a (id INTEGER);\n${(t as MigrationTarget).slowStatement};\nCREATE TABLE ${tables}_b (id INTEGER);\n`);
      const victim = p.start("migrate", "apply");
      await victim.waitFor(`${id}: statement 2/3`);
      victim.child.kill("SIGKILL");
      const killed = await victim.done;
      expect(killed.signal).toBe("SIGKILL");

      const status = await p.json("migrate", "status");
      if ((t as MigrationTarget).transactionalDdl) {
        // The transaction rolled back: nothing of the file remains, and it is pending again.
        expect(status.body.pending).toEqual([id]);
        expect(status.body.interrupted).toEqual([]);
        expect(await columns(`${tables}_a`)).toEqual([]);
      } else {
        expect(status.body.interrupted.map((r: { id: string; statementsDone: number }) => [r.id, r.statementsDone])).toEqual([[id, 1]]);
        expect((await p.run("migrate", "status")).stdout).toContain(`interrupted  ${id}  after statement 1 of 3`);
        expect(await columns(`${tables}_a`)).toEqual(["id"]);
        expect((await p.json("migrate", "check")).body.problems).toContain(`interrupted: ${id} stopped after statement 1 of 3`);
      }
      const resumed = await p.run("migrate", "apply");
      expect(resumed.code, resumed.stderr).toBe(0);
      if (!(t as MigrationTarget).transactionalDdl) expect(resumed.stderr).toContain(`${id} was interrupted after statement 1 of 3; resuming at statement 2`);
      expect(await columns(`${tables}_b`)).toEqual(["id"]);
      const final = await p.json("migrate", "status");
      expect(final.body.applied.map((x: { id: string }) => x.id)).toEqual([id]);
      expect(final.body.interrupted).toEqual([]);
    });
  });
}
