import { afterEach, describe, expect, it } from "vitest";
import type { ProgressEvent } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, UniqueViolationError, ValidationError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import sqlitePlugin from "../src/index.js";
import type { SqliteAdapter } from "../src/index.js";

/**
 * The bulk writer sends several rows per INSERT (and the rest, and every upsert, one row per
 * statement): the counts, the order of generated ids, atomicity and progress must be those of one
 * row per statement, for row counts that are and are not a multiple of the rows per statement.
 */
function setup() {
  const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlitePlugin] });
  const Item = db.model("Item", { code: field.string({ maxLength: 20 }).unique(), qty: field.int(), ok: field.boolean(), at: field.datetime().optional() });
  const runtime = new LocalRuntime({ dataflow: db });
  const run = async (node: "BulkCreate" | "BulkUpsert", params: Record<string, unknown>, onProgress?: (e: ProgressEvent) => void) => {
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(Item.nodes[node], "bulk", params).build();
    const out = await runtime.execute(wf, onProgress ? { onProgress, progressIntervalMs: 0 } : {});
    return out.results.bulk.result as { inserted: number; skipped?: number; updated: number };
  };
  const raw = () => (db.adapter as SqliteAdapter).handle.prepare(`SELECT id, code, qty, ok, at FROM "items" ORDER BY id`).all() as Record<string, unknown>[];
  return { db, Item, run, raw };
}

const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ code: `c${from + i}`, qty: from + i, ok: (from + i) % 2 === 0 }));

describe("SQLite bulk writer (multi-row INSERTs)", () => {
  let db: DataFlow | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  it("writes every row with ids in input order and the same stored values, for 1, 63, 64, 65 and 2,500 rows", async () => {
    const t = setup();
    db = t.db;
    let from = 0;
    for (const n of [1, 63, 64, 65, 2500]) {
      expect(await t.run("BulkCreate", { data: rows(n, from) })).toEqual({ inserted: n, skipped: 0, updated: 0 });
      from += n;
    }
    const stored = t.raw();
    expect(stored).toHaveLength(from);
    stored.forEach((r, i) => expect(r).toEqual({ id: i + 1, code: `c${i}`, qty: i, ok: i % 2 === 0 ? 1 : 0, at: null }));
  });

  it("sends whole statements of rows, the remainder one row per statement", async () => {
    const t = setup();
    db = t.db;
    await t.db.ensureModel(t.Item);
    const before = t.db.adapter.stats().statements;
    await t.run("BulkCreate", { data: rows(130) });
    // 130 rows: two 64-row INSERTs and two single-row ones, inside BEGIN and COMMIT.
    expect(t.db.adapter.stats().statements - before).toBe(2 + 2 + 2);
    expect(t.raw()).toHaveLength(130);
  });

  it("onConflict skip counts rows skipped inside multi-row statements, duplicates within one statement included", async () => {
    const t = setup();
    db = t.db;
    await t.run("BulkCreate", { data: rows(100).filter((_, i) => i % 3 === 0) });
    const data = [...rows(200), { code: "c150", qty: -1, ok: true }, ...rows(50, 200)];
    expect(await t.run("BulkCreate", { data, onConflict: "skip", conflictOn: ["code"] })).toEqual({ inserted: 216, skipped: 35, updated: 0 });
    const stored = t.raw();
    expect(stored).toHaveLength(250);
    expect(stored.find((r) => r.code === "c150")!.qty).toBe(150);
  });

  it("a duplicate in the middle of a multi-row statement fails the node with UniqueViolationError and writes nothing", async () => {
    const t = setup();
    db = t.db;
    await t.run("BulkCreate", { data: [{ code: "c70", qty: 0, ok: true }] });
    const error = await t.run("BulkCreate", { data: rows(300) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowExecutionError);
    expect((error as WorkflowExecutionError).cause).toBeInstanceOf(UniqueViolationError);
    expect(t.raw()).toHaveLength(1);
  });

  it("an invalid row is a typed error naming data[i].field, before any row is written", async () => {
    const t = setup();
    db = t.db;
    await t.db.ensureModel(t.Item);
    const data: Record<string, unknown>[] = rows(200);
    data[130] = { ...data[130], code: "x".repeat(21) };
    const error = await t.run("BulkCreate", { data }).catch((e: unknown) => e);
    const cause = (error as WorkflowExecutionError).cause;
    expect(cause).toBeInstanceOf(ValidationError);
    expect((cause as ValidationError).field).toBe("data[130].code");
    expect(t.raw()).toHaveLength(0);
  });

  it("instants, booleans and NULLs are encoded per row inside multi-row statements", async () => {
    const t = setup();
    db = t.db;
    const data = rows(70).map((r, i) => (i % 2 === 0 ? { ...r, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) } : { ...r, at: null }));
    await t.run("BulkCreate", { data });
    const stored = t.raw();
    expect(stored[68]!.at).toBe("2026-01-01T00:01:08.000Z");
    expect(stored[69]!.at).toBeNull();
    const listed = await t.db.adapter.handle.prepare(`SELECT count(*) AS n FROM "items" WHERE "at" IS NOT NULL`).get();
    expect(listed).toEqual({ n: 35 });
  });

  it("reports progress between blocks and a final event with every row", async () => {
    const t = setup();
    db = t.db;
    const events: ProgressEvent[] = [];
    await t.run("BulkCreate", { data: rows(3000) }, (e) => events.push(e));
    expect(events.at(-1)).toMatchObject({ operation: "BulkCreate", done: 3000, total: 3000, finished: true });
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < events.length; i++) expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
  });

  it("BulkUpsert stays one row per statement and counts inserted and updated rows", async () => {
    const t = setup();
    db = t.db;
    await t.run("BulkCreate", { data: rows(100) });
    const data = rows(150).map((r) => ({ ...r, qty: 1000 + r.qty }));
    expect(await t.run("BulkUpsert", { data, conflictOn: ["code"], update: ["qty"] })).toEqual({ inserted: 50, updated: 100 });
    expect(t.raw().every((r) => Number(r.qty) >= 1000)).toBe(true);
  });
});
