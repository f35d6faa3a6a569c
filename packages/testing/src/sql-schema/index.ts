import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DataFlow, DataFlowOptions, DiscoveredSchema, DiscoveredTable } from "@dataflow/kernel";
import { LocalRuntime, WorkflowBuilder, field, renderModelsModule } from "@dataflow/kernel";
import {
  ForeignKeyViolationError,
  ReadOnlyModelError,
  SchemaDriftError,
  UniqueViolationError,
  UnsupportedColumnTypeError,
  UnsupportedPrimaryKeyError,
  ValidationError,
  WorkflowExecutionError,
} from "@dataflow/kernel/plugin";
import { afterAll, describe, expect, it } from "vitest";
import type { SqlFamily } from "./fixtures.js";
import { expectedAuthorColumns, keyedSchema, plainSchema } from "./fixtures.js";

export type { SqlFamily } from "./fixtures.js";

export interface SqlSchemaSuiteOptions {
  /** Shown in the suite's title. */
  readonly name: string;
  readonly family: SqlFamily;
  /** A new DataFlow on the suite's database (the same database every call). */
  createDataFlow(options?: Pick<DataFlowOptions, "autoMigrate">): DataFlow | Promise<DataFlow>;
  /** Called once after the suite. */
  teardown?(): Promise<void>;
}

type Runner = <R = any>(type: string, params: Record<string, unknown>) => Promise<R>;

function runner(db: DataFlow): Runner {
  const runtime = new LocalRuntime({ dataflow: db });
  return async (type, params) => {
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
    return (await runtime.execute(wf)).results.n;
  };
}

async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a failure").toBeInstanceOf(Error);
  return error instanceof WorkflowExecutionError ? (error.cause as Error) : (error as Error);
}

/** Runs SQL through the adapter (setup only: the suite checks results through discovery and nodes). */
async function exec(db: DataFlow, statements: readonly string[]): Promise<void> {
  await db.initialize();
  const adapter = db.adapter as unknown as { query(text: string, params: unknown[]): Promise<unknown> };
  for (const s of statements) await adapter.query(s, []);
}

/**
 * The hand-written schema. On MySQL its tables take the adapter's own table options (engine,
 * charset and a NO PAD collation), which the MySQL adapter requires of tables it writes to.
 */
async function plain(db: DataFlow, family: SqlFamily, p: string): Promise<string[]> {
  await db.initialize();
  const suffix = family === "mysql" ? ((db.adapter as unknown as { dialect?: { createTableSuffix?: string } }).dialect?.createTableSuffix ?? "") : "";
  return plainSchema(family, p, suffix);
}

/** The tables keyed by other columns than `id` (see `keyedSchema`). */
async function keyed(db: DataFlow, family: SqlFamily, p: string): Promise<string[]> {
  await db.initialize();
  const suffix = family === "mysql" ? ((db.adapter as unknown as { dialect?: { createTableSuffix?: string } }).dialect?.createTableSuffix ?? "") : "";
  return keyedSchema(family, p, suffix);
}

function only(schema: DiscoveredSchema, prefix: string): DiscoveredTable[] {
  return schema.tables.filter((t) => t.name.startsWith(prefix));
}

/** A discovered table in the terms a round trip must keep: kinds up to storage family, keys, indexes, literal defaults. */
function comparable(t: DiscoveredTable) {
  const family = (k: string | undefined) => (k === "int" || k === "bigint" ? "integer" : k);
  return {
    name: t.name,
    kind: t.kind,
    columns: t.columns.map((c) => ({
      name: c.name,
      kind: family(c.kind),
      nullable: c.nullable,
      autoIncrement: c.autoIncrement,
      maxLength: c.maxLength,
      enumValues: c.enumValues,
      default: c.default?.value === undefined ? undefined : String(c.default.value),
    })),
    primaryKey: t.primaryKey,
    foreignKeys: t.foreignKeys,
    indexes: t.indexes,
  };
}

/**
 * Foreign keys, schema discovery, models over existing tables, the models-module generator and
 * start-up drift checks, against a real SQL database. Call at the top level of a vitest file.
 */
export function runSqlSchemaSuite(options: SqlSchemaSuiteOptions): void {
  describe(`DataFlow SQL schema suite: ${options.name}`, () => {
    const open: DataFlow[] = [];
    const create = async (o?: Pick<DataFlowOptions, "autoMigrate">) => {
      const db = await options.createDataFlow(o);
      open.push(db);
      return db;
    };
    const prefix = () => `s${randomBytes(3).toString("hex")}_`;
    afterAll(async () => {
      for (const db of open) await db.close();
      await options.teardown?.();
    });

    /** `source` compiles under the strict tsconfig; after `drop`, its models recreate `original`. */
    async function expectRoundTrip(db: DataFlow, p: string, tables: readonly string[], source: string, original: DiscoveredTable[], drop: readonly string[]) {
      const dir = resolve(process.cwd(), ".schema-suite", `${options.family}-${p}`);
      mkdirSync(dir, { recursive: true });
      try {
        const file = join(dir, "models.ts");
        writeFileSync(file, source);
        const base = resolve(process.cwd(), "../../tsconfig.base.json");
        writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: base, compilerOptions: { noEmit: true }, files: ["models.ts"] }));
        const tsc = createRequire(join(process.cwd(), "package.json")).resolve("typescript/bin/tsc");
        try {
          execFileSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
        } catch (error) {
          const out = error as { stdout?: string; stderr?: string };
          throw new Error(`The generated module does not compile:\n${out.stdout ?? ""}${out.stderr ?? ""}\n${source}`);
        }
        await exec(db, drop);
        expect(only(await db.discoverSchema(), p)).toEqual([]);
        const module = (await import(pathToFileURL(file).href)) as { defineModels(db: DataFlow): Record<string, unknown> };
        const fresh = await create();
        module.defineModels(fresh);
        await fresh.initialize();
        const recreated = only(await fresh.discoverSchema(), p).filter((t) => tables.includes(t.name));
        expect(recreated.map(comparable)).toEqual(original.map(comparable));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    describe("relations", () => {
      it("references() creates a foreign key; violations are ForeignKeyViolationError naming the field", async () => {
        const p = prefix();
        const db = await create();
        // `Book` references `Author` lazily: declared before it.
        const Book = db.model(
          "Book",
          { title: field.string(), author_id: field.int().references(() => Author, { onDelete: "cascade" }) },
          { table: `${p}books` },
        );
        const Author = db.model("Author", { name: field.string() }, { table: `${p}authors` });
        const Review = db.model("Review", { book_id: field.int().references(Book), stars: field.int() }, { table: `${p}reviews` });
        await db.initialize();
        const run = runner(db);
        const author = (await run(Author.nodes.Create, { data: { name: "Le Guin" } })).result;
        const book = (await run(Book.nodes.Create, { data: { title: "Earthsea", author_id: author.id } })).result;

        const missing = await failure(run(Book.nodes.Create, { data: { title: "Nowhere", author_id: author.id + 1000 } }));
        expect(missing).toBeInstanceOf(ForeignKeyViolationError);
        expect((missing as ForeignKeyViolationError).field).toBe("author_id");

        await run(Review.nodes.Create, { data: { book_id: book.id, stars: 5 } });
        const referenced = await failure(run(Book.nodes.Delete, { id: book.id }));
        expect(referenced).toBeInstanceOf(ForeignKeyViolationError);
        expect((referenced as ForeignKeyViolationError).field).toBe(`${p}reviews.book_id`);

        await run(Review.nodes.BulkDelete, { filter: {}, all: true });
        await run(Author.nodes.Delete, { id: author.id });
        expect((await run(Book.nodes.Count, {})).result).toBe(0); // cascaded

        const schema = await db.discoverSchema();
        const books = schema.tables.find((t) => t.name === `${p}books`)!;
        expect(books.foreignKeys).toEqual([
          {
            name: `fk_${p}books_author_id`,
            columns: ["author_id"],
            referencedTable: `${p}authors`,
            referencedColumns: ["id"],
            onDelete: "cascade",
            onUpdate: "no action",
          },
        ]);
      });

      it("a field added to an existing table keeps its foreign key", async () => {
        const p = prefix();
        const first = await create();
        first.model("Owner", { name: field.string() }, { table: `${p}owners` });
        first.model("Pet", { name: field.string() }, { table: `${p}pets` });
        await first.initialize();
        await first.close();
        const db = await create();
        const Owner = db.model("Owner", { name: field.string() }, { table: `${p}owners` });
        const Pet = db.model(
          "Pet",
          { name: field.string(), owner_id: field.int().optional().references(Owner, { onDelete: "set null" }) },
          { table: `${p}pets` },
        );
        await db.initialize();
        const run = runner(db);
        const missing = await failure(run(Pet.nodes.Create, { data: { name: "Rex", owner_id: 424242 } }));
        expect(missing).toBeInstanceOf(ForeignKeyViolationError);
        const owner = (await run(Owner.nodes.Create, { data: { name: "Ann" } })).result;
        const pet = (await run(Pet.nodes.Create, { data: { name: "Rex", owner_id: owner.id } })).result;
        await run(Owner.nodes.Delete, { id: owner.id });
        expect((await run(Pet.nodes.Read, { id: pet.id })).result.owner_id).toBeNull(); // set null
      });
    });

    describe("drift at start-up", () => {
      it("a required column the model no longer declares fails initialize() naming table and column", async () => {
        const p = prefix();
        const first = await create();
        first.model("Thing", { label: field.string(), legacy: field.string() }, { table: `${p}things` });
        await first.initialize();
        await first.close();
        const db = await create();
        db.model("Thing", { label: field.string() }, { table: `${p}things` });
        const error = await failure(db.initialize());
        expect(error).toBeInstanceOf(SchemaDriftError);
        expect(error).toMatchObject({ table: `${p}things`, column: "legacy" });
        expect(error.message).toMatch(/legacy/);
        expect((error as SchemaDriftError).fix).toMatch(/nullable|default|Add the field/);
      });

      it("a column of another type fails initialize() instead of returning wrong values", async () => {
        const p = prefix();
        const first = await create();
        const Before = first.model("Gauge", { level: field.string() }, { table: `${p}gauges` });
        await runner(first)(Before.nodes.Create, { data: { level: "2.0" } });
        await first.close();
        const db = await create();
        db.model("Gauge", { level: field.int() }, { table: `${p}gauges` });
        const error = await failure(db.initialize());
        expect(error).toBeInstanceOf(SchemaDriftError);
        expect(error).toMatchObject({ table: `${p}gauges`, column: "level" });
        expect(error.message).toMatch(/int/);
      });

      it("a missing column with autoMigrate off fails initialize(); with it on, new columns are still added", async () => {
        const p = prefix();
        const first = await create();
        first.model("Note", { body: field.text() }, { table: `${p}notes` });
        await first.initialize();
        await first.close();
        const strict = await create({ autoMigrate: false });
        strict.model("Note", { body: field.text(), tag: field.string().optional() }, { table: `${p}notes` });
        const error = await failure(strict.initialize());
        expect(error).toBeInstanceOf(SchemaDriftError);
        expect(error).toMatchObject({ table: `${p}notes`, column: "tag" });
        await strict.close();
        const db = await create();
        const Note = db.model("Note", { body: field.text(), tag: field.string().optional(), pinned: field.boolean().default(false) }, { table: `${p}notes` });
        await db.initialize();
        const row = (await runner(db)(Note.nodes.Create, { data: { body: "hi" } })).result;
        expect(row).toMatchObject({ body: "hi", tag: null, pinned: false });
      });
    });

    describe("existing databases", () => {
      it("discoverSchema() reports tables, views, kinds, keys, indexes, enums, defaults and comments", async () => {
        const p = prefix();
        const db = await create();
        await exec(db, await plain(db, options.family, p));
        const schema = await db.discoverSchema();
        expect(schema.database).toBe(options.family);
        const tables = only(schema, p);
        expect(tables.map((t) => [t.name, t.kind])).toEqual([
          [`${p}author_names`, "view"],
          [`${p}authors`, "table"],
          [`${p}books`, "table"],
          [`${p}odd`, "table"],
        ]);
        const authors = tables.find((t) => t.name === `${p}authors`)!;
        const expected = expectedAuthorColumns(options.family);
        expect(authors.columns.map((c) => c.name)).toEqual(Object.keys(expected));
        for (const c of authors.columns) expect(c, `column ${c.name}`).toMatchObject(expected[c.name]!);
        expect(authors.primaryKey).toEqual(["id"]);
        expect(authors.uniques).toEqual([{ name: `ux_${p}authors_email`, columns: ["email"], unique: true }]);
        if (options.family !== "sqlite") expect(authors.comment).toBe("People who write");
        const books = tables.find((t) => t.name === `${p}books`)!;
        expect(books.foreignKeys).toEqual([
          {
            name: `fk_${p}books_author_id`,
            columns: ["author_id"],
            referencedTable: `${p}authors`,
            referencedColumns: ["id"],
            onDelete: "cascade",
            onUpdate: "cascade",
          },
        ]);
        expect(books.indexes).toEqual(expect.arrayContaining([{ name: `ix_${p}books_title`, columns: ["title"], unique: false }]));
        const view = tables.find((t) => t.name === `${p}author_names`)!;
        expect(view.columns.map((c) => [c.name, c.kind === "int" || c.kind === "bigint" ? "integer" : c.kind])).toEqual([
          ["id", "integer"],
          ["name", options.family === "sqlite" ? "text" : "string"],
        ]);
        const odd = tables.find((t) => t.name === `${p}odd`)!;
        expect(odd.columns.find((c) => c.name === "addr")!.kind).toBeUndefined();
        if (options.family === "mysql") expect(schema.enums).toEqual(expect.arrayContaining([{ name: `${p}authors.status`, values: ["active", "retired"] }]));
      });

      it("registerSchemaAsModels() gives every node on the existing tables, runs no DDL, and keeps views read-only", async () => {
        const p = prefix();
        const setup = await create();
        await exec(setup, await plain(setup, options.family, p));
        const before = only(await setup.discoverSchema(), p);
        const db = await create();
        const models = await db.registerSchemaAsModels({ tables: [`${p}authors`, `${p}books`, `${p}author_names`] });
        const names = Object.keys(models);
        expect(names).toHaveLength(3);
        const Author = models[names.find((n) => n.endsWith("Author"))!]!;
        const Book = models[names.find((n) => n.endsWith("Book"))!]!;
        const View = models[names.find((n) => n.endsWith("AuthorName"))!]!;
        await db.initialize();
        const run = runner(db);
        const author = (await run(Author.nodeType("Create"), { data: { name: "Ursula", email: "u@example.com", born: "1929-10-21" } })).result;
        expect(author).toMatchObject({ name: "Ursula", status: "active", born: "1929-10-21" });
        const book = (await run(Book.nodeType("Create"), { data: { title: "The Dispossessed", author_id: author.id } })).result;
        expect(book.author_id).toBe(author.id);
        const bad = await failure(run(Book.nodeType("Create"), { data: { title: "Ghost", author_id: author.id + 999 } }));
        expect(bad).toBeInstanceOf(ForeignKeyViolationError);
        expect((bad as ForeignKeyViolationError).field).toBe("author_id");
        const listed = await run(View.nodeType("List"), { filter: { name: "Ursula" } });
        expect(listed.result).toHaveLength(1);
        const refused = await failure(run(View.nodeType("Create"), { data: { name: "x" } }));
        expect(refused).toBeInstanceOf(ReadOnlyModelError);
        expect(only(await db.discoverSchema(), p)).toEqual(before);

        const other = await create();
        const unsupported = await failure(other.registerSchemaAsModels({ tables: [`${p}odd`] }));
        expect(unsupported).toBeInstanceOf(UnsupportedColumnTypeError);
        expect((unsupported as UnsupportedColumnTypeError).field).toBe(`${p}odd.addr`);
        expect(unsupported.message).toMatch(new RegExp(options.family === "postgresql" ? "inet" : "blob", "i"));
      });

      it("registerSchemaAsModels() keeps a primary key not named id under its own name: every node, relations to it, no DDL", async () => {
        const p = prefix();
        const setup = await create();
        await exec(setup, await keyed(setup, options.family, p));
        const before = only(await setup.discoverSchema(), p);
        const db = await create();
        const models = await db.registerSchemaAsModels({ tables: [`${p}orders`, `${p}accounts`, `${p}order_lines`] });
        const pick = (suffix: string) => models[Object.keys(models).find((n) => n.endsWith(suffix))!]!;
        const Order = pick("Order");
        const Account = pick("Account");
        const Line = pick("OrderLine");
        expect(Order.primaryKey).toMatchObject({ name: "order_no", autoIncrement: true });
        expect(Account.primaryKey).toMatchObject({ name: "account_id", autoIncrement: false });
        expect(Line.field("order_no")?.references).toBeDefined();
        await db.initialize();
        const run = runner(db);

        const a = (await run(Order.nodeType("Create"), { data: { customer: "Ann", ref_code: "A-1" } })).result;
        expect(a).toMatchObject({ customer: "Ann", total: 0, ref_code: "A-1" });
        expect(typeof a.order_no).toBe("number");
        expect(a).not.toHaveProperty("id");
        const b = (await run(Order.nodeType("Create"), { data: { order_no: 500, customer: "Bob", ref_code: "B-1" } })).result;
        expect(b.order_no).toBe(500);
        const c = (await run(Order.nodeType("Create"), { data: { customer: "Cy", ref_code: "C-1" } })).result;
        expect(c.order_no).toBeGreaterThan(500);
        expect((await run(Order.nodeType("Read"), { id: a.order_no })).result).toEqual(a);
        expect((await run(Order.nodeType("Read"), { filter: { ref_code: "B-1" } })).result).toEqual(b);
        const updated = (await run(Order.nodeType("Update"), { id: a.order_no, fields: { total: 42 } })).result;
        expect(updated).toMatchObject({ order_no: a.order_no, total: 42 });
        const rekey = await failure(run(Order.nodeType("Update"), { id: a.order_no, fields: { order_no: 9 } }));
        expect(rekey).toBeInstanceOf(ValidationError);
        expect((rekey as ValidationError).field).toBe("fields.order_no");

        const page1 = await run(Order.nodeType("List"), { orderBy: "order_no", limit: 2 });
        expect(page1.result.map((r: { order_no: number }) => r.order_no)).toEqual([a.order_no, 500]);
        const page2 = await run(Order.nodeType("List"), { orderBy: "order_no", limit: 2, after: page1.nextCursor });
        expect(page2.result.map((r: { order_no: number }) => r.order_no)).toEqual([c.order_no]);
        const picked = await run(Order.nodeType("List"), {
          filter: { order_no: { $in: [500, c.order_no] } },
          select: ["order_no", "customer"],
          orderBy: "-order_no",
        });
        expect(picked.result).toEqual([
          { order_no: c.order_no, customer: "Cy" },
          { order_no: 500, customer: "Bob" },
        ]);
        expect((await run(Order.nodeType("Count"), { filter: { total: 0 } })).result).toBe(2);

        const byRef = await run(Order.nodeType("Upsert"), { where: { ref_code: "B-1" }, create: { customer: "Bob" }, update: { total: 7 } });
        expect(byRef).toMatchObject({ created: false, result: { order_no: 500, total: 7 } });
        const fresh = await run(Order.nodeType("Upsert"), { where: { ref_code: "D-1" }, create: { customer: "Di" }, update: { total: 1 } });
        expect(fresh.created).toBe(true);
        expect(fresh.result).toMatchObject({ customer: "Di", ref_code: "D-1", total: 0 });
        const byKey = await run(Order.nodeType("Upsert"), {
          where: { order_no: 500 },
          create: { customer: "X", ref_code: "X-1" },
          update: { customer: "Robert" },
        });
        expect(byKey).toMatchObject({ created: false, result: { order_no: 500, customer: "Robert", ref_code: "B-1" } });

        const bulk = await run(Order.nodeType("BulkCreate"), {
          data: [
            { customer: "E", ref_code: "E-1" },
            { customer: "F", ref_code: "F-1" },
          ],
        });
        expect(bulk.result).toMatchObject({ inserted: 2 });
        const skipped = await run(Order.nodeType("BulkCreate"), {
          data: [
            { order_no: 500, customer: "dup", ref_code: "Z-9" },
            { order_no: 900, customer: "G", ref_code: "G-1" },
          ],
          onConflict: "skip",
        });
        expect(skipped.result).toMatchObject({ inserted: 1, skipped: 1 });
        const upserted = await run(Order.nodeType("BulkUpsert"), {
          data: [
            { customer: "E2", ref_code: "E-1" },
            { customer: "H", ref_code: "H-1" },
          ],
          conflictOn: ["ref_code"],
        });
        expect(upserted.result).toEqual({ inserted: 1, updated: 1 });
        expect((await run(Order.nodeType("Read"), { filter: { ref_code: "E-1" } })).result.customer).toBe("E2");
        expect((await run(Order.nodeType("BulkUpdate"), { filter: { ref_code: { $in: ["G-1", "H-1"] } }, fields: { total: 3 } })).result).toEqual({
          updated: 2,
        });
        expect((await run(Order.nodeType("Delete"), { id: 900 })).result).toEqual({ id: 900, deleted: true });
        expect((await run(Order.nodeType("Read"), { id: 900, raiseOnNotFound: false })).found).toBe(false);
        expect((await run(Order.nodeType("BulkDelete"), { filter: { ref_code: "H-1" } })).result).toEqual({ deleted: 1 });

        const line = (await run(Line.nodeType("Create"), { data: { order_no: a.order_no, sku: "pen" } })).result;
        expect(line).toMatchObject({ order_no: a.order_no, sku: "pen" });
        expect(typeof line.line_id).toBe("number");
        const orphan = await failure(run(Line.nodeType("Create"), { data: { order_no: 123_456, sku: "ink" } }));
        expect(orphan).toBeInstanceOf(ForeignKeyViolationError);
        expect((orphan as ForeignKeyViolationError).field).toBe("order_no");
        await run(Order.nodeType("Delete"), { id: a.order_no });
        expect((await run(Line.nodeType("Count"), {})).result).toBe(0); // cascaded

        const first = randomUUID();
        const account = (await run(Account.nodeType("Create"), { data: { account_id: first, owner: "Ann" } })).result;
        expect(account).toEqual({ account_id: first, owner: "Ann" });
        const keyless = await failure(run(Account.nodeType("Create"), { data: { owner: "Nobody" } }));
        expect(keyless).toBeInstanceOf(ValidationError);
        expect((keyless as ValidationError).field).toBe("data.account_id");
        expect(keyless.message).toContain("primary key 'account_id'");
        const clash = await failure(run(Account.nodeType("Create"), { data: { account_id: first, owner: "Again" } }));
        expect(clash).toBeInstanceOf(UniqueViolationError);
        expect((clash as UniqueViolationError).fields).toEqual(["account_id"]);
        expect((await run(Account.nodeType("Update"), { id: first, fields: { owner: "Anne" } })).result).toEqual({ account_id: first, owner: "Anne" });
        const second = randomUUID();
        const accounts = await run(Account.nodeType("BulkUpsert"), {
          data: [
            { account_id: first, owner: "A3" },
            { account_id: second, owner: "B" },
          ],
          conflictOn: ["account_id"],
        });
        expect(accounts.result).toEqual({ inserted: 1, updated: 1 });
        const again = await run(Account.nodeType("Upsert"), { where: { account_id: second }, create: { owner: "never" }, update: { owner: "B2" } });
        expect(again).toMatchObject({ created: false, result: { account_id: second, owner: "B2" } });
        expect((await run(Account.nodeType("Delete"), { id: second })).result).toEqual({ id: second, deleted: true });
        expect((await run(Account.nodeType("List"), {})).result).toEqual([{ account_id: first, owner: "A3" }]);

        expect(only(await db.discoverSchema(), p)).toEqual(before);
      });

      it("a composite or missing primary key is an UnsupportedPrimaryKeyError naming the table and what to do", async () => {
        const p = prefix();
        const db = await create();
        await exec(db, await keyed(db, options.family, p));
        const composite = await failure(db.registerSchemaAsModels({ tables: [`${p}memberships`] }));
        expect(composite).toBeInstanceOf(UnsupportedPrimaryKeyError);
        expect(composite).toMatchObject({ table: `${p}memberships`, columns: ["group_id", "user_id"], field: `${p}memberships` });
        expect(composite.message).toContain(`'${p}memberships' has the composite primary key (group_id, user_id)`);
        expect((composite as UnsupportedPrimaryKeyError).fix).toMatch(/surrogate key/);
        const schema = await db.discoverSchema();
        expect(() => renderModelsModule(schema, { tables: [`${p}memberships`] })).toThrow(UnsupportedPrimaryKeyError);
      });

      it("renderModelsModule() renders keys not named id as primaryKey, and the module recreates the same tables", async () => {
        const p = prefix();
        const db = await create();
        await exec(db, await keyed(db, options.family, p));
        const tables = [`${p}orders`, `${p}accounts`, `${p}order_lines`];
        const original = only(await db.discoverSchema(), p).filter((t) => tables.includes(t.name));
        const source = renderModelsModule(await db.discoverSchema(), { tables });
        expect(source).toContain(`primaryKey: "order_no"`);
        expect(source).toContain(`primaryKey: "account_id"`);
        expect(source).toMatch(/order_no: field\.int\(\)\.references\(/);
        await expectRoundTrip(db, p, tables, source, original, [
          `DROP TABLE ${p}order_lines`,
          `DROP TABLE ${p}orders`,
          `DROP TABLE ${p}accounts`,
          `DROP TABLE ${p}memberships`,
        ]);
      });

      it("renderModelsModule() writes a module that compiles under the strict tsconfig and recreates the same schema", async () => {
        const p = prefix();
        const db = await create();
        await exec(db, await plain(db, options.family, p));
        const tables = [`${p}authors`, `${p}books`];
        const original = only(await db.discoverSchema(), p).filter((t) => tables.includes(t.name));
        const source = renderModelsModule(await db.discoverSchema(), { tables });
        expect(source).toContain(".references((): ReferenceTarget =>");
        if (options.family !== "sqlite") expect(source).toContain("/** Display name */");

        await expectRoundTrip(db, p, tables, source, original, [
          `DROP VIEW ${p}author_names`,
          `DROP TABLE ${p}books`,
          `DROP TABLE ${p}authors`,
          `DROP TABLE ${p}odd`,
        ]);
      });
    });
  });
}
