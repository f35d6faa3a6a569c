import { DataFlow, UniqueViolationError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { failure, runNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function insertStatements(): Promise<number> {
  const rows = await rawQuery<{ Value: string }>(url, "SHOW GLOBAL STATUS LIKE 'Com_insert'");
  return Number(rows[0]!.Value);
}

describe.skipIf(!res.ok)("Upsert: created flag and the row, exactly", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    // No timestamps, so an upsert with the same values really leaves the row unchanged (MySQL then reports 0 rows).
    db.model(
      "Plain",
      { id: field.string(), email: field.string().unique(), name: field.string(), n: field.int().default(0) },
      { table: "plain", timestamps: false },
    );
    db.model("Auto", { email: field.string().unique(), name: field.string() }, { table: "auto" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("insert, change, unchanged: created is true once", async () => {
    const first = await runNode(db, "Plain_Upsert", { where: { email: "a@x" }, create: { id: "p1", name: "A" }, update: { name: "A" } });
    expect(first).toMatchObject({ created: true, result: { id: "p1", email: "a@x", name: "A" } });
    const changed = await runNode(db, "Plain_Upsert", { where: { email: "a@x" }, create: { id: "p2", name: "B" }, update: { name: "B" } });
    expect(changed).toMatchObject({ created: false, result: { id: "p1", name: "B" } });
    const unchanged = await runNode(db, "Plain_Upsert", { where: { email: "a@x" }, create: { id: "p3", name: "B" }, update: { name: "B" } });
    expect(unchanged).toMatchObject({ created: false, result: { id: "p1", name: "B" } });
    const noUpdate = await runNode(db, "Plain_Upsert", { where: { email: "a@x" }, create: { id: "p4", name: "C" } });
    expect(noUpdate).toMatchObject({ created: false, result: { id: "p1", name: "B" } });
    expect(await rawQuery(url, "SELECT id, email, name FROM plain")).toEqual([{ id: "p1", email: "a@x", name: "B" }]);
  });

  it("auto-increment ids: created then updated, same id", async () => {
    const a = await runNode(db, "Auto_Upsert", { where: { email: "z@x" }, create: { name: "Z" }, update: { name: "Z2" } });
    const b = await runNode(db, "Auto_Upsert", { where: { email: "z@x" }, create: { name: "Z" }, update: { name: "Z2" } });
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ created: false, result: { id: a.result.id, name: "Z2" } });
    expect(typeof b.result.id).toBe("number");
  });

  it("an update that changes the conflict key returns the updated row", async () => {
    await runNode(db, "Plain_Upsert", { where: { email: "old@x" }, create: { id: "k1", name: "K" } });
    const moved = await runNode(db, "Plain_Upsert", { where: { email: "old@x" }, create: { id: "k2", name: "K" }, update: { email: "new@x", n: 5 } });
    expect(moved).toMatchObject({ created: false, result: { id: "k1", email: "new@x", n: 5 } });
  });

  it("a row that collides on another unique key is a UniqueViolationError, and no row changes", async () => {
    await runNode(db, "Plain_Create", { data: { id: "own", email: "own@x", name: "Owner" } });
    const error = await failure(runNode(db, "Plain_Upsert", { where: { email: "thief@x" }, create: { id: "own", name: "Thief" }, update: { name: "Thief" } }));
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect((error as UniqueViolationError).fields).toEqual(["id"]);
    expect(error.message).not.toContain("own@x");
    expect(await rawQuery(url, "SELECT id, email, name FROM plain WHERE id = 'own' OR email = 'thief@x'")).toEqual([
      { id: "own", email: "own@x", name: "Owner" },
    ]);
    // ...also when the update rewrites the conflict key itself.
    const rekey = await failure(runNode(db, "Plain_Upsert", { where: { email: "thief@x" }, create: { id: "own", name: "T" }, update: { email: "stolen@x" } }));
    expect(rekey).toBeInstanceOf(UniqueViolationError);
    expect(await rawQuery(url, "SELECT email FROM plain WHERE id = 'own'")).toEqual([{ email: "own@x" }]);
  });
});

describe.skipIf(!res.ok)("Upsert on a two-column key that rewrites the key", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model(
      "Page",
      { id: field.string(), org: field.string(), slug: field.string() },
      { table: "pages", indexes: [{ fields: ["org", "slug"], unique: true }] },
    );
    await db.initialize();
  });
  afterAll(() => db.close());

  it("moves the row to its new key, and reports a collision on the id as a violation", async () => {
    expect((await runNode(db, "Page_Upsert", { where: { org: "o", slug: "a" }, create: { id: "p1" } })).created).toBe(true);
    const moved = await runNode(db, "Page_Upsert", { where: { org: "o", slug: "a" }, create: { id: "p9" }, update: { org: "o2", slug: "b" } });
    expect(moved).toMatchObject({ created: false, result: { id: "p1", org: "o2", slug: "b" } });
    const error = await failure(runNode(db, "Page_Upsert", { where: { org: "o", slug: "zzz" }, create: { id: "p1" }, update: { org: "x", slug: "y" } }));
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect((error as UniqueViolationError).fields).toEqual(["id"]);
    expect(await rawQuery(url, "SELECT id, org, slug FROM pages")).toEqual([{ id: "p1", org: "o2", slug: "b" }]);
  });
});

describe.skipIf(!res.ok)("BulkUpsert / BulkCreate onConflict: exact counts", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Entry", { id: field.string(), email: field.string().unique(), name: field.string() }, { table: "entries", timestamps: false });
    await db.initialize();
  });
  afterAll(() => db.close());

  const entries = (ids: number[], name = "n") => ids.map((i) => ({ id: `e${i}`, email: `e${i}@x`, name: `${name}${i}` }));

  it("new, changed and unchanged rows in one statement", async () => {
    await runNode(db, "Entry_BulkCreate", { data: entries([1, 2, 3]) });
    // e1 unchanged, e2 and e3 changed, e4 and e5 new
    const data = [...entries([1]), ...entries([2, 3], "m"), ...entries([4, 5])];
    expect(await runNode(db, "Entry_BulkUpsert", { data, conflictOn: ["id"] })).toEqual({ result: { inserted: 2, updated: 3 } });
    // everything unchanged: every row is still an update, none an insert
    expect(await runNode(db, "Entry_BulkUpsert", { data, conflictOn: ["id"] })).toEqual({ result: { inserted: 0, updated: 5 } });
    expect(await runNode(db, "Entry_BulkCreate", { data, onConflict: "update", conflictOn: ["email"] })).toEqual({
      result: { inserted: 0, skipped: 0, updated: 5 },
    });
    // one-row statements have no info line from the server
    expect(await runNode(db, "Entry_BulkUpsert", { data: entries([1]), conflictOn: ["id"], batchSize: 1 })).toEqual({ result: { inserted: 0, updated: 1 } });
    expect(await runNode(db, "Entry_BulkUpsert", { data: entries([6, 1], "z"), conflictOn: ["id"], batchSize: 1 })).toEqual({
      result: { inserted: 1, updated: 1 },
    });
    const raw = await rawQuery<{ id: string; name: string }>(url, "SELECT id, name FROM entries ORDER BY id");
    expect(raw).toEqual([
      { id: "e1", name: "z1" },
      { id: "e2", name: "m2" },
      { id: "e3", name: "m3" },
      { id: "e4", name: "n4" },
      { id: "e5", name: "n5" },
      { id: "e6", name: "z6" },
    ]);
  });

  it("skip counts rows that met an existing key; a key repeated inside the batch updates the row it just inserted", async () => {
    expect(await runNode(db, "Entry_BulkCreate", { data: [...entries([1, 2], "s"), ...entries([7])], onConflict: "skip" })).toEqual({
      result: { inserted: 1, skipped: 2, updated: 0 },
    });
    const twice = [
      { id: "e8", email: "e8@x", name: "first" },
      { id: "e8", email: "e8@x", name: "second" },
    ];
    expect(await runNode(db, "Entry_BulkUpsert", { data: twice, conflictOn: ["id"] })).toEqual({ result: { inserted: 1, updated: 1 } });
    expect(await rawQuery(url, "SELECT name FROM entries WHERE id = 'e8'")).toEqual([{ name: "second" }]);
  });

  it("a row colliding on a key other than conflictOn fails the node and writes nothing, as ON CONFLICT (target) would", async () => {
    const before = await rawQuery(url, "SELECT * FROM entries ORDER BY id");
    // e1 exists with email e1@x; this row targets email but reuses the id e1.
    const data = [
      { id: "e100", email: "e100@x", name: "ok" },
      { id: "e1", email: "fresh@x", name: "thief" },
    ];
    const upsert = await failure(runNode(db, "Entry_BulkUpsert", { data, conflictOn: ["email"] }));
    expect(upsert).toBeInstanceOf(UniqueViolationError);
    expect((upsert as UniqueViolationError).fields).toEqual(["id"]);
    const skip = await failure(runNode(db, "Entry_BulkCreate", { data, onConflict: "skip", conflictOn: ["email"] }));
    expect(skip).toBeInstanceOf(UniqueViolationError);
    expect(await rawQuery(url, "SELECT * FROM entries ORDER BY id")).toEqual(before);
    // Without a target, skip means "any conflict": the id collision is skipped.
    expect(await runNode(db, "Entry_BulkCreate", { data, onConflict: "skip" })).toEqual({ result: { inserted: 1, skipped: 1, updated: 0 } });
  });

  it("inside an open transaction the bulk write is a savepoint: rolled back with it", async () => {
    const adapter = db.adapter as MysqlAdapter;
    await expect(
      adapter.transaction(async () => {
        await runNode(db, "Entry_BulkCreate", { data: entries([500, 501]) });
        expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM entries WHERE id IN ('e500','e501')")).toEqual([{ n: "0" }]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM entries WHERE id IN ('e500','e501')")).toEqual([{ n: "0" }]);
  });
});

describe.skipIf(!res.ok)("BulkCreate at size", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Event", { kind: field.string({ maxLength: 32 }), n: field.int(), payload: field.text(), at: field.datetime() }, { table: "events" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("200,000 rows go in several statements, all present", async () => {
    const at = new Date("2024-01-01T00:00:00Z");
    const data = Array.from({ length: 200_000 }, (_, i) => ({ kind: `k${i % 7}`, n: i, payload: `payload ${i} 😀 'q' \\`, at }));
    const before = await insertStatements();
    expect(await runNode(db, "Event_BulkCreate", { data })).toEqual({ result: { inserted: 200_000, skipped: 0, updated: 0 } });
    expect((await insertStatements()) - before).toBeGreaterThan(1);
    const [stats] = await rawQuery<Record<string, string>>(
      url,
      "SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids, SUM(n) AS total, MIN(n) AS lo, MAX(n) AS hi FROM events",
    );
    expect(stats).toEqual({ n: "200000", ids: "200000", total: String((199_999 * 200_000) / 2), lo: "0", hi: "199999" });
    expect(await rawQuery(url, "SELECT payload FROM events WHERE n = 123456")).toEqual([{ payload: "payload 123456 😀 'q' \\" }]);
  });

  it("large rows are cut by size, below max_allowed_packet", async () => {
    const adapter = db.adapter as MysqlAdapter;
    const big = "x".repeat(100_000);
    const data = Array.from({ length: 300 }, (_, i) => ({ kind: "big", n: i, payload: big, at: new Date() }));
    const before = await insertStatements();
    expect((await runNode(db, "Event_BulkCreate", { data })).result.inserted).toBe(300);
    // 30 MB of values in statements of at most 1 MiB (or max_allowed_packet when smaller)
    const per = Math.min(1024 * 1024, adapter.server.maxAllowedPacket);
    expect((await insertStatements()) - before).toBeGreaterThanOrEqual(Math.ceil((300 * 100_000) / per));
    expect(await rawQuery(url, "SELECT COUNT(*) AS n, MIN(LENGTH(payload)) AS len FROM events WHERE kind = 'big'")).toEqual([{ n: "300", len: "100000" }]);
  });
});

/** A counter of this session's statements; with `pool: { max: 1 }` it is the connection the bulk path used. */
async function sessionCount(db: DataFlow, name: "Com_stmt_prepare" | "Com_stmt_execute"): Promise<number> {
  const rows = (await db.sql`SHOW SESSION STATUS LIKE ${name}`) as Array<{ Value: string }>;
  return Number(rows[0]!.Value);
}

describe.skipIf(!res.ok).each([
  { label: "full chunks prepared (default)", query: "", prepares: true },
  { label: "preparedStatements=false: all text", query: "?preparedStatements=false", prepares: false },
])("BulkCreate statement forms: $label", ({ query, prepares }) => {
  let db: DataFlow;
  const table = `forms${prepares ? "_ps" : "_tx"}`;
  beforeAll(async () => {
    db = new DataFlow({ url: `${url}${query}`, plugins: [mysql], pool: { max: 1 } });
    db.model(
      "Form",
      {
        id: field.string(),
        email: field.string().unique(),
        n: field.int().optional(),
        big: field.bigint().optional(),
        f: field.float().optional(),
        amount: field.decimal().optional(),
        ok: field.boolean().optional(),
        at: field.datetime().optional(),
        day: field.date().optional(),
        doc: field.json().optional(),
        ref: field.uuid().optional(),
      },
      { table },
    );
    await db.initialize();
  });
  afterAll(() => db.close());

  const at = new Date("2024-02-29T12:34:56.789Z");
  const row = (i: number, name = "r") => ({
    id: `${name}${i}`,
    email: `${name}${i}@x`,
    n: i % 2 ? null : 7 * i - 20,
    big: 9_007_199_254_740_993n + BigInt(i),
    f: i + 0.25,
    amount: `${i + 1}2345678.0123456789`,
    ok: i % 3 === 0,
    at,
    day: "2024-02-29",
    doc: { i, s: "it's \\ 😀" },
    ref: "0f8fad5b-d9cb-469f-a165-70867728950e",
  });

  it("rows of every kind read back the same, and full chunks go prepared", async () => {
    const prepared = await sessionCount(db, "Com_stmt_execute");
    // 5 rows in statements of 2: two full chunks, then one row
    expect(await runNode(db, "Form_BulkCreate", { data: [0, 1, 2, 3, 4].map((i) => row(i)), batchSize: 2 })).toEqual({
      result: { inserted: 5, skipped: 0, updated: 0 },
    });
    expect((await sessionCount(db, "Com_stmt_execute")) - prepared).toBe(prepares ? 2 : 0);
    const { result: list } = await runNode(db, "Form_List", { orderBy: "id" });
    expect(list).toHaveLength(5);
    list.forEach((r: Record<string, unknown>, i: number) => {
      expect(r).toMatchObject(row(i));
      expect(r.at).toBeInstanceOf(Date);
      expect(typeof r.ok).toBe("boolean");
    });
  });

  it("upsert counts are exact through full chunks", async () => {
    // r0 unchanged, r1 changed, r5 and r6 new: two chunks of 2
    const data = [row(0), { ...row(1), f: 99.5 }, row(5), row(6)];
    expect(await runNode(db, "Form_BulkUpsert", { data, conflictOn: ["id"], batchSize: 2 })).toEqual({ result: { inserted: 2, updated: 2 } });
    expect(await runNode(db, "Form_BulkCreate", { data, onConflict: "skip", batchSize: 2 })).toEqual({ result: { inserted: 0, skipped: 4, updated: 0 } });
    expect(await rawQuery(url, `SELECT f FROM ${table} WHERE id = 'r1'`)).toEqual([{ f: 99.5 }]);
  });

  it("a duplicate in a later chunk is a UniqueViolationError naming the field, and no row of the node stays", async () => {
    const before = await rawQuery(url, `SELECT COUNT(*) AS n FROM ${table}`);
    const data = [row(10), row(11), row(12), { ...row(13), email: "r10@x" }];
    const error = await failure(runNode(db, "Form_BulkCreate", { data, batchSize: 2 }));
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect((error as UniqueViolationError).fields).toEqual(["email"]);
    expect(await rawQuery(url, `SELECT COUNT(*) AS n FROM ${table}`)).toEqual(before);
  });
});
