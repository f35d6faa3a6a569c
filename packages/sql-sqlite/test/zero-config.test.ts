import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DataFlow, LocalRuntime, ValidationError, WorkflowBuilder, field } from "@dataflow/kernel";
import { SqliteAdapter, sqliteFilename } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-url-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function roundTrip(db: DataFlow): Promise<unknown> {
  db.model("Note", { text: field.string() });
  const wf = new WorkflowBuilder({ dataflow: db })
    .addNode("Note_Create", "c", { data: { text: "hi" } })
    .addNode("Note_Count", "n")
    .addDependency("c", "n")
    .build();
  const { results } = await new LocalRuntime({ dataflow: db }).execute(wf);
  return results.n.result;
}

describe("zero-config and URL forms", () => {
  it("new DataFlow() with no arguments is an embedded in-memory SQLite where DDL and DML share one database", async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    const db = new DataFlow();
    try {
      expect(db.scheme).toBe("sqlite");
      expect((db.adapter as SqliteAdapter).inMemory).toBe(true);
      expect(await roundTrip(db)).toBe(1);
    } finally {
      await db.close();
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });

  it("DATABASE_URL is used when no URL is given", async () => {
    const file = join(dir, "env.db");
    process.env.DATABASE_URL = `sqlite://${file}`;
    const db = new DataFlow();
    try {
      expect((db.adapter as SqliteAdapter).filename).toBe(file);
      expect(await roundTrip(db)).toBe(1);
      expect(existsSync(file)).toBe(true);
    } finally {
      delete process.env.DATABASE_URL;
      await db.close();
    }
  });

  it("sqlite::memory:, sqlite:relative/path.db and sqlite:///absolute/path.db", () => {
    expect(sqliteFilename("sqlite::memory:")).toBe(":memory:");
    expect(sqliteFilename("sqlite:data/app.db")).toBe(join(process.cwd(), "data/app.db"));
    expect(sqliteFilename("sqlite:///var/lib/app.db")).toBe("/var/lib/app.db");
    expect(sqliteFilename("sqlite:///var/lib/my%20app.db?mode=rw")).toBe("/var/lib/my app.db");
    expect(() => sqliteFilename("sqlite://host/app.db")).toThrow(ValidationError);
  });

  it("a relative URL writes where the working directory says, and the same file is read back", async () => {
    const file = join(dir, "relative.db");
    const db = new DataFlow(`sqlite:${relative(process.cwd(), file)}`);
    try {
      expect(await roundTrip(db)).toBe(1);
    } finally {
      await db.close();
    }
    expect(existsSync(file)).toBe(true);
    const again = new DataFlow(`sqlite://${file}`);
    try {
      again.model("Note", { text: field.string() });
      const wf = new WorkflowBuilder({ dataflow: again }).addNode("Note_Count", "n").build();
      expect((await new LocalRuntime({ dataflow: again }).execute(wf)).results.n.result).toBe(1);
    } finally {
      await again.close();
    }
  });

  it("file databases use WAL and a busy timeout; declaring a model touches no file", async () => {
    const file = join(dir, "wal.db");
    const db = new DataFlow({ url: `sqlite://${file}`, adapter: { busyTimeoutMs: 1234 } });
    try {
      db.model("Note", { text: field.string() });
      expect(existsSync(file)).toBe(false);
      await db.initialize();
      const handle = (db.adapter as SqliteAdapter).handle;
      expect(handle.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(Number(handle.pragma("busy_timeout", { simple: true }))).toBe(1234);
    } finally {
      await db.close();
    }
  });
});
