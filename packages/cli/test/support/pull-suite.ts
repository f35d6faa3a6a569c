// `dataflow pull` on a database a DBA created by plain SQL, through the real bin in child processes:
// the written module compiles under the strict tsconfig, `migrate generate` then finds nothing to
// do (the round trip), and `dataflow run` drives the pulled models' workflows.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestProject } from "./project.js";
import type { MigrationTarget } from "./targets.js";
import { connect } from "./targets.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * A schema as a DBA would write it: a foreign key, a unique constraint, an index, a view, comments
 * where the database keeps them, and two tables keyed by columns not named `id` (an auto-increment
 * `orders.order_no` and an application-supplied `accounts.account_id`).
 */
export function plainSql(name: MigrationTarget["name"]): string[] {
  switch (name) {
    case "sqlite":
      return [
        "CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)",
        "CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title TEXT NOT NULL, pages INTEGER)",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
        "CREATE TABLE orders (order_no INTEGER PRIMARY KEY AUTOINCREMENT, customer TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE accounts (account_id TEXT NOT NULL PRIMARY KEY, owner TEXT NOT NULL)",
      ];
    case "mysql":
      // A binary NO PAD collation: DataFlow refuses PAD SPACE text columns (they compare 'a' = 'a ') with a SchemaError naming the ALTER that converts them.
      return [
        "CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(80) NOT NULL COMMENT 'Display name', email VARCHAR(120) NOT NULL, CONSTRAINT ux_authors_email UNIQUE (email)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin COMMENT 'People who write'",
        "CREATE TABLE books (id INT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(200) NOT NULL, pages INT, CONSTRAINT fk_books_author_id FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
        "CREATE TABLE orders (order_no INT AUTO_INCREMENT PRIMARY KEY, customer VARCHAR(80) NOT NULL, total INT NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
        "CREATE TABLE accounts (account_id CHAR(36) PRIMARY KEY, owner VARCHAR(80) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
      ];
    default:
      return [
        "CREATE TABLE authors (id SERIAL PRIMARY KEY, name VARCHAR(80) NOT NULL, email VARCHAR(120) NOT NULL, CONSTRAINT ux_authors_email UNIQUE (email))",
        "COMMENT ON TABLE authors IS 'People who write'",
        "COMMENT ON COLUMN authors.name IS 'Display name'",
        "CREATE TABLE books (id SERIAL PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE, title VARCHAR(200) NOT NULL, pages INTEGER)",
        "CREATE INDEX ix_books_title ON books (title)",
        "CREATE VIEW author_names AS SELECT id, name FROM authors",
        "CREATE TABLE orders (order_no SERIAL PRIMARY KEY, customer VARCHAR(80) NOT NULL, total INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE accounts (account_id UUID PRIMARY KEY, owner VARCHAR(80) NOT NULL)",
      ];
  }
}

/** The parsed problem+json a failed `dataflow run` prints on stderr. */
/** The problem+json (indented) on stderr, after any log lines (one-line JSON). */
function problemOf(stderr: string): Record<string, unknown> {
  const start = stderr.indexOf("{\n");
  if (start < 0) throw new Error(`no problem+json on stderr: ${stderr}`);
  return JSON.parse(stderr.slice(start)) as Record<string, unknown>;
}

/** The pino lines (one JSON object a line) a command logged on stderr. */
function logLinesOf(stderr: string): Array<Record<string, any>> {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith('{"level"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/**
 * `target`: the database (a fresh one, used by this suite alone), or why there is none (the suite is
 * then skipped with that reason). `surfaces`: also test bad input, `dataflow mcp` and `dataflow serve`
 * (once is enough: they do not depend on the database).
 */
export function pullSuite(title: string, target: MigrationTarget | string, surfaces = false): void {
  const t = typeof target === "string" ? undefined : target;
  const skipReason = typeof target === "string" ? target : undefined;
  let p: TestProject;

  describe.skipIf(t === undefined)(`${title}${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
    beforeAll(async () => {
      const target = t as MigrationTarget;
      const c = await connect(target.url);
      try {
        for (const sql of plainSql(target.name)) await c.adapter.query(sql, []);
      } finally {
        await c.close();
      }
      p = new TestProject(target.url, "");
    });
    afterAll(async () => {
      p?.dispose();
      await t?.dispose();
    });

    it("pull -o models.ts writes a module that compiles under the strict tsconfig, with relations, the view and comments", async () => {
      const pulled = await p.json("pull", "-o", "models.ts");
      expect(pulled.code, pulled.stderr).toBe(0);
      expect([...pulled.body.tables].sort()).toEqual(["accounts", "author_names", "authors", "books", "orders"]);
      const source = p.readFile("models.ts");
      expect(source).toContain("export function defineModels(db: DataFlow)");
      expect(source).toContain(".references(");
      expect(source).toMatch(/readOnly|view/i);
      if (t?.name !== "sqlite") expect(source).toContain("/** Display name */");
      expect(source).toContain(`{ table: "orders", primaryKey: "order_no", timestamps: false }`);
      expect(source).toContain(`primaryKey: "account_id"`);

      writeFileSync(
        join(p.dir, "tsconfig.json"),
        JSON.stringify({ extends: join(packageDir, "..", "..", "tsconfig.base.json"), compilerOptions: { noEmit: true }, files: ["models.ts"] }),
      );
      const tsc = createRequire(join(packageDir, "package.json")).resolve("typescript/bin/tsc");
      try {
        execFileSync(process.execPath, [tsc, "-p", join(p.dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
      } catch (error) {
        const out = error as { stdout?: string; stderr?: string };
        throw new Error(`The pulled module does not compile:\n${out.stdout ?? ""}${out.stderr ?? ""}\n${source}`);
      }
    });

    it("migrate generate after pull finds no changes and writes nothing (the round trip)", async () => {
      const text = await p.run("migrate", "generate", "init");
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain("No changes");
      const json = await p.json("migrate", "generate", "init");
      expect(json.code, json.stderr).toBe(0);
      expect(json.body.steps).toEqual([]);
      expect(json.body.id).toBeUndefined();
      expect(p.migrations()).toEqual([]);

      // A baseline from empty creates the tables, not the view (a read-only model, which migration files leave alone).
      const baseline = await p.json("migrate", "generate", "baseline", "--from-empty");
      expect(baseline.code, baseline.stderr).toBe(0);
      expect(baseline.body.steps.map((s: { table: string }) => s.table).sort()).toEqual(["accounts", "authors", "books", "orders"]);
    });

    it("run Order_Create and Order_Read on a pulled table keyed by order_no: the row carries the key under its own name", async () => {
      const created = await p.run("run", "Order_Create", "--input", JSON.stringify({ data: { customer: "Ada" } }));
      expect(created.code, created.stderr).toBe(0);
      const row = (Object.values((JSON.parse(created.stdout) as { results: Record<string, any> }).results)[0] as { result: Record<string, unknown> }).result;
      expect(row).toMatchObject({ customer: "Ada", total: 0 });
      expect(typeof row.order_no).toBe("number");
      const read = await p.run("run", "Order_Read", "--input", JSON.stringify({ id: row.order_no }));
      expect(read.code, read.stderr).toBe(0);
      const found = Object.values((JSON.parse(read.stdout) as { results: Record<string, any> }).results)[0] as { result: Record<string, unknown> };
      expect(found.result).toEqual(row);
    });

    it("run Author_Create, Book_Create and Author_List on the pulled models; a foreign key violation is problem+json with exit 1", async () => {
      const author = await p.run("run", "Author_Create", "--input", JSON.stringify({ data: { name: "Ada", email: "ada@example.org" } }));
      expect(author.code, author.stderr).toBe(0);
      const created = JSON.parse(author.stdout) as { results: Record<string, any>; runId: string };
      expect(typeof created.runId).toBe("string");
      const row = (Object.values(created.results)[0] as { result: { id: number; name: string } }).result;
      expect(row).toMatchObject({ name: "Ada", email: "ada@example.org" });

      const book = await p.run("run", "Book_Create", "--input", JSON.stringify({ data: { author_id: row.id, title: "Notes" } }));
      expect(book.code, book.stderr).toBe(0);

      const list = await p.run("run", "Author_List", "--input", "{}");
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain("ada@example.org");

      const orphan = await p.run("run", "Book_Create", "--input", JSON.stringify({ data: { author_id: 999_999, title: "Orphan" } }));
      expect(orphan.code).toBe(1);
      const problem = problemOf(orphan.stderr);
      expect(problem).toMatchObject({ errorClass: "ForeignKeyViolationError" });
      expect(String(problem.field)).toContain("author_id");
      expect(orphan.stderr).not.toMatch(/INSERT|999999/);
    });

    if (surfaces) {
      it("run with bad --input JSON exits 2 naming the input", async () => {
        const bad = await p.run("run", "Author_List", "--input", "{not json");
        expect(bad.code).toBe(2);
        expect(problemOf(bad.stderr)).toMatchObject({ field: "input" });
        const both = await p.run("run", "Author_List", "--input", "{}", "--input-file", "inputs.json");
        expect(both.code).toBe(2);
      });

      it("pull, run, serve and mcp have --help; pull from an empty database is a usage error, not an empty module", async () => {
        for (const command of ["pull", "run", "serve", "mcp"]) {
          const help = await p.run(command, "--help");
          expect(help.code, command).toBe(0);
          expect(help.stdout).toContain(`Usage: dataflow ${command}`);
        }
        const empty = await p.json("pull", "--url", `sqlite://${join(p.dir, "empty.db")}`);
        expect(empty.code).toBe(2);
        expect(empty.body.error).toMatchObject({ code: "CONFIG_ERROR", field: "url" });
        const unknown = await p.json("pull", "--tables", "authors,nosuch");
        expect(unknown.code).toBe(1);
        expect(unknown.body.error.message).toContain("nosuch");
      });

      it("run --existing-schema never runs DDL: a model without a table fails instead of creating it", async () => {
        const columns = async (table: string) => {
          const c = await connect(p.url);
          try {
            const q = c.adapter.dialect.catalog.columns(table);
            return (await c.adapter.query(q.text, q.params)).rows.length;
          } finally {
            await c.close();
          }
        };
        const extra = new TestProject(p.url, `db.model("Extra", { label: field.string() }, { table: "extras" });`);
        extra.env = { NO_COLOR: "1", DATAFLOW_LOG_LEVEL: "" }; // the default level, whatever the caller's environment says
        try {
          const refused = await extra.run("run", "Extra_List", "--existing-schema", "--input", "{}");
          expect(refused.code, refused.stdout).toBe(1);
          expect(await columns("extras")).toBe(0);
          // The typed SchemaError, not "Internal error"; and the operator's log (pino, stderr) has it with its stack.
          expect(problemOf(refused.stderr)).toMatchObject({ status: 500, title: "Database schema mismatch", errorClass: "SchemaError", code: "SCHEMA_ERROR" });
          expect(String(problemOf(refused.stderr).fix)).toContain("existingSchemaMode");
          const logged = logLinesOf(refused.stderr).find((l) => l.msg === "request failed");
          expect(logged).toMatchObject({ level: 50, name: "dataflow", surface: "cli", workflow: "Extra_List", errorClass: "SchemaError" });
          expect(logged!.err.stack).toContain("SchemaError");
          const quiet = await extra.run("run", "Extra_List", "--existing-schema", "--log-level", "silent", "--input", "{}");
          expect(quiet.code).toBe(1);
          expect(logLinesOf(quiet.stderr)).toEqual([]);
          const badLevel = await extra.run("run", "Extra_List", "--log-level", "loud", "--input", "{}");
          expect(badLevel.code).toBe(2);
          expect(badLevel.stderr).toContain("--log-level must be one of");
          const created = await extra.run("run", "Extra_List", "--input", "{}");
          expect(created.code, created.stderr).toBe(0);
          expect(await columns("extras")).toBeGreaterThan(0);
        } finally {
          extra.dispose();
        }
      });

      it("mcp answers tools/list over stdio with read-only tools only", async () => {
        const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
        const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: [join(packageDir, "dist", "bin.js"), "mcp"],
          cwd: p.dir,
          env: { PATH: process.env.PATH ?? "", DATABASE_URL: p.url, NO_COLOR: "1" },
          stderr: "pipe",
        });
        const client = new Client({ name: "pull-suite", version: "1.0.0" });
        await client.connect(transport);
        try {
          const { tools } = await client.listTools();
          expect(tools.length).toBeGreaterThan(0);
          expect(tools.map((tool) => tool.name).join(" ")).toContain("Author");
          for (const tool of tools) {
            expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
            expect(tool.name).not.toMatch(/Create|Update|Delete|Upsert/);
          }
        } finally {
          await client.close();
        }
      });

      it("serve --port 0 prints its URL on stderr, answers /health, and SIGTERM stops it with exit 0", async () => {
        const server = p.start("serve", "--port", "0");
        await server.waitFor("/docs");
        const url = /DataFlow Nexus on (http:\/\/\S+?) /.exec(server.stderr())?.[1];
        expect(url, server.stderr()).toBeDefined();
        const health = await fetch(`${url}/health`);
        expect(health.status).toBe(200);
        server.child.kill("SIGTERM");
        const done = await server.done;
        expect(done.signal).toBeNull();
        expect(done.code, done.stderr).toBe(0);
        expect(done.stderr).toContain("stopped");
      });
    }
  });
}
