import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataFlow, LocalRuntime, ValidationError, WorkflowBuilder, field } from "@dataflow/kernel";
import sqljs, { SqlJsAdapter, sqljsFilename } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqljs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(db: DataFlow, type: string, params: Record<string, unknown>): Promise<any> {
  const { results } = await new LocalRuntime({ dataflow: db }).execute(new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build());
  return results.n;
}

/** A DataFlow with the `Note` model; a namespace tells DataFlows open at once apart. */
const open = (url: string, namespace?: string) => {
  const db = new DataFlow({ url, plugins: [sqljs], ...(namespace ? { namespace } : {}) });
  db.model("Note", { text: field.string(), amount: field.decimal() });
  return db;
};

describe("sqljs: URLs", () => {
  it("name memory, relative and absolute files", () => {
    expect(sqljsFilename("sqljs::memory:")).toBe(":memory:");
    expect(sqljsFilename("sqljs:")).toBe(":memory:");
    expect(sqljsFilename("sqljs:data/app.db?cache=1")).toBe(resolve(process.cwd(), "data/app.db"));
    expect(sqljsFilename("sqljs:///tmp/a%20b.db")).toBe("/tmp/a b.db");
  });

  it("refuse a host-like path, naming the url", () => {
    expect(() => sqljsFilename("sqljs://app.db")).toThrow(ValidationError);
    expect(() => new DataFlow({ url: "sqljs://app.db", plugins: [sqljs] })).toThrow(/ambiguous/);
  });

  it("select this plugin's adapter through the scheme", async () => {
    const db = open("sqljs::memory:");
    await db.initialize();
    expect(db.adapter).toBeInstanceOf(SqlJsAdapter);
    await db.close();
  });
});

describe("a file database", () => {
  it("is written on commit, read by a second DataFlow at once, and by a new one after close", async () => {
    const url = `sqljs://${join(dir, "notes.db")}`;
    const writer = open(url);
    const reader = open(url, "reader");
    await run(writer, "Note_Create", { data: { text: "first", amount: "10.5" } });
    expect(existsSync(join(dir, "notes.db"))).toBe(true);
    expect((await run(reader, "reader.Note_Count", {})).result).toBe(1);
    await run(writer, "Note_Create", { data: { text: "second", amount: "9.75" } });
    expect((await run(reader, "reader.Note_List", { orderBy: "amount" })).result.map((n: { text: string }) => n.text)).toEqual(["second", "first"]);
    await writer.close();
    await reader.close();
    const later = open(url);
    expect((await run(later, "Note_Count", {})).result).toBe(2);
    await later.close();
  });

  it("keeps a rolled back transaction out of the file", async () => {
    const url = `sqljs://${join(dir, "rollback.db")}`;
    const db = open(url);
    await run(db, "Note_Create", { data: { text: "kept", amount: "1" } });
    await expect(
      db.transaction(async () => {
        await run(db, "Note_Create", { data: { text: "dropped", amount: "2" } });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await db.close();
    const again = open(url);
    expect((await run(again, "Note_List", {})).result.map((n: { text: string }) => n.text)).toEqual(["kept"]);
    await again.close();
  });

  it("loses no write when two DataFlows on the file write while one holds a transaction", async () => {
    const url = `sqljs://${join(dir, "turns.db")}`;
    const a = open(url);
    const b = open(url, "b");
    await a.initialize();
    await b.initialize();
    let inside!: () => void;
    const entered = new Promise<void>((done) => (inside = done));
    const tx = a.transaction(async () => {
      await run(a, "Note_Create", { data: { text: "in a's transaction", amount: "1" } });
      inside();
      await new Promise((done) => setTimeout(done, 50)); // keeps the transaction open while b writes (no timing is asserted)
    });
    await entered;
    await run(b, "b.Note_Create", { data: { text: "b, meanwhile", amount: "2" } });
    await tx;
    await a.close();
    await b.close();
    const after = open(url);
    expect((await run(after, "Note_List", { orderBy: "amount" })).result.map((n: { text: string }) => n.text)).toEqual(["in a's transaction", "b, meanwhile"]);
    await after.close();
  });

  it("in a directory that does not exist is a ConnectionError at connect", async () => {
    const db = open(`sqljs://${join(dir, "missing", "x.db")}`);
    await expect(db.initialize()).rejects.toMatchObject({ name: "ConnectionError", message: expect.stringMatching(/Writing the sql.js database/) });
    await db.close();
  });
});
