import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataFlow, NotFoundError, ValidationError, field } from "@dataflow/kernel";
import { MAX_DATETIME, MIN_DATETIME } from "@dataflow/kernel/plugin";
import { failureOf, runNode } from "@dataflow/testing";
import type { SqliteAdapter } from "../src/index.js";
import { sqliteFilename } from "../src/index.js";

const raw = (db: DataFlow, sql: string) => (db.adapter as SqliteAdapter).handle.prepare(sql).all() as Record<string, unknown>[];

async function validationField(work: Promise<unknown>): Promise<string | undefined> {
  const error = await failureOf(work);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).field;
}

describe("SQLite: hostile values", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow();
    db.model("Item", { id: field.string(), n: field.int(), name: field.string() }, { table: "items" });
    db.model(
      "Kinds",
      {
        big: field.bigint(),
        dec: field.decimal({ precision: 30, scale: 10 }),
        at: field.datetime(),
        u: field.uuid(),
        ok: field.boolean(),
        day: field.date(),
        f: field.float(),
        e: field.enum(["x", "y", "z"]),
        s: field.string(),
      },
      { table: "kinds" },
    );
    db.model("Moment", { at: field.datetime(), label: field.string() }, { table: "moments" });
    db.model("Doc", { body: field.json() }, { table: "docs" });
    await db.initialize();
    await runNode(db, "Item_BulkCreate", { data: Array.from({ length: 1000 }, (_, n) => ({ id: `i${n}`, n, name: "a".repeat(n % 40) + (n % 2 ? "b" : "") })) });
  });
  afterAll(() => db.close());

  it("$in / $nin with 100,000 values (the documented maximum) work, on strings and ints", async () => {
    const ids = Array.from({ length: 100_000 }, (_, n) => `i${n}`);
    const ns = Array.from({ length: 100_000 }, (_, n) => n * 3);
    expect((await runNode(db, "Item_Count", { filter: { id: { $in: ids } } })).result).toBe(1000);
    expect((await runNode(db, "Item_Count", { filter: { id: { $nin: ids } } })).result).toBe(0);
    expect((await runNode(db, "Item_Count", { filter: { n: { $in: ns } } })).result).toBe(334);
    expect((await runNode(db, "Item_Count", { filter: { n: { $nin: ns } } })).result).toBe(666);
  });

  it("$in / $nin keep exact semantics for every field kind", async () => {
    const rows = [
      {
        big: 9223372036854775807n,
        dec: "12345678901234567890.0000000001",
        at: "2024-01-01T00:00:00.001Z",
        u: "0F8FAD5B-D9CB-469F-A165-70867728950E",
        ok: true,
        day: "2024-02-29",
        f: 0.1,
        e: "x",
        s: "a",
      },
      {
        big: 9223372036854775806n,
        dec: "12345678901234567890",
        at: "2024-01-01T00:00:00.000Z",
        u: "1f8fad5b-d9cb-469f-a165-70867728950e",
        ok: false,
        day: "0001-01-01",
        f: 1e300,
        e: "y",
        s: "a ",
      },
      {
        big: -9223372036854775808n,
        dec: "-0.5",
        at: "9999-12-31T23:59:59.999Z",
        u: "2f8fad5b-d9cb-469f-a165-70867728950e",
        ok: true,
        day: "9999-12-31",
        f: -2.5,
        e: "z",
        s: "",
      },
    ];
    await runNode(db, "Kinds_BulkCreate", { data: rows });
    const count = async (filter: Record<string, unknown>) => (await runNode(db, "Kinds_Count", { filter })).result as number;
    expect(await count({ big: { $in: [9223372036854775807n] } })).toBe(1);
    expect(await count({ big: { $nin: [9223372036854775807n, -9223372036854775808n] } })).toBe(1);
    expect(await count({ dec: { $in: ["12345678901234567890.00000000010", "-0.50"] } })).toBe(2);
    expect(await count({ dec: { $in: ["12345678901234567890.0000000002"] } })).toBe(0);
    expect(await count({ at: { $in: [new Date("2024-01-01T00:00:00.001Z"), "9999-12-31T23:59:59.999Z"] } })).toBe(2);
    expect(await count({ u: { $in: ["0f8fad5b-d9cb-469f-a165-70867728950e".toUpperCase()] } })).toBe(1);
    expect(await count({ ok: { $in: [true] } })).toBe(2);
    expect(await count({ ok: { $nin: [true] } })).toBe(1);
    expect(await count({ day: { $in: ["0001-01-01", "9999-12-31"] } })).toBe(2);
    expect(await count({ f: { $in: [0.1, 1e300] } })).toBe(2);
    expect(await count({ e: { $nin: ["x"] } })).toBe(2);
    expect(await count({ s: { $in: ["a"] } })).toBe(1);
    expect(await count({ s: { $in: [""] } })).toBe(1);
  });

  it("datetimes at the edges of the supported range order and filter correctly; outside it nothing is written", async () => {
    const edges = [
      MAX_DATETIME,
      new Date(MIN_DATETIME.getTime() + 1),
      new Date(0),
      MIN_DATETIME,
      new Date(MAX_DATETIME.getTime() - 1),
      new Date("0099-06-01T00:00:00Z"),
    ];
    await runNode(db, "Moment_BulkCreate", { data: edges.map((at, i) => ({ at, label: `m${i}` })) });
    const sorted = [...edges].sort((a, b) => a.getTime() - b.getTime()).map((d) => d.toISOString());
    const listed = (await runNode(db, "Moment_List", { orderBy: "at" })).result.map((r: { at: Date }) => r.at.toISOString());
    expect(listed).toEqual(sorted);
    const desc = (await runNode(db, "Moment_List", { orderBy: "-at" })).result.map((r: { at: Date }) => r.at.toISOString());
    expect(desc).toEqual([...sorted].reverse());
    const count = async (filter: Record<string, unknown>) => (await runNode(db, "Moment_Count", { filter })).result as number;
    expect(await count({ at: { $gte: new Date(MAX_DATETIME.getTime() - 1) } })).toBe(2);
    expect(await count({ at: { $lt: new Date(MIN_DATETIME.getTime() + 1) } })).toBe(1);
    expect(await count({ at: { $gt: "0100-01-01T00:00:00Z", $lt: "9999-12-31T23:59:59.999Z" } })).toBe(2);
    for (const at of [
      "2024-02-30T00:00:00Z",
      "0000-12-31T23:59:59.999Z",
      "10000-01-01T00:00:00Z",
      new Date(Date.UTC(-5, 0, 1)),
      new Date(8.64e15),
      "2024-01-01T25:00:00Z",
    ]) {
      expect(await validationField(runNode(db, "Moment_Create", { data: { at, label: "bad" } }))).toBe("data.at");
    }
    expect(await validationField(runNode(db, "Moment_Count", { filter: { at: { $lt: "0000-06-01T00:00:00Z" } } }))).toBe("filter.at.$lt");
    expect(raw(db, "SELECT COUNT(*) AS n FROM moments WHERE label = 'bad'")).toEqual([{ n: 0 }]);
  });

  it("$regex runs on RE2 in linear time: a catastrophic pattern finishes far below the 25 s it used to take", async () => {
    await runNode(db, "Item_Create", { data: { id: "evil", n: -1, name: `${"a".repeat(34)}!` } });
    const start = performance.now();
    const { result } = await runNode(db, "Item_Count", { filter: { name: { $regex: "^(a+)+$" } } });
    expect(performance.now() - start).toBeLessThan(5000);
    const names = Array.from({ length: 1000 }, (_, n) => "a".repeat(n % 40) + (n % 2 ? "b" : ""));
    expect(result).toBe(names.filter((name) => /^a+$/.test(name)).length); // the same language, without nested repetition
    expect((await runNode(db, "Item_Count", { filter: { name: { $regex: "^a{3}b$" } } })).result).toBe(
      raw(db, "SELECT COUNT(*) AS n FROM items WHERE name = 'aaab'")[0]!.n,
    );
  });

  it("a pattern RE2 cannot run (backreferences, lookaround) is a ValidationError naming the operand, before any SQL", async () => {
    for (const pattern of ["(a)\\1", "(?=a)b", "(?<!x)a"]) {
      expect(await validationField(runNode(db, "Item_Count", { filter: { $or: [{ n: 1 }, { name: { $regex: pattern } }] } }))).toBe(
        "filter.$or[1].name.$regex",
      );
    }
    expect(await validationField(runNode(db, "Item_BulkDelete", { filter: { name: { $regex: "(a)\\1" } } }))).toBe("filter.name.$regex");
    expect(raw(db, "SELECT COUNT(*) AS n FROM items")).toEqual([{ n: 1001 }]);
  });

  it("strings compare exactly: trailing spaces count in keys, filters and unique constraints", async () => {
    db.model("Padded", { id: field.string(), v: field.string(), code: field.string().unique() }, { table: "padded" });
    await runNode(db, "Padded_Create", { data: { id: "alice", v: "tok ", code: "pad" } });
    expect(await failureOf(runNode(db, "Padded_Delete", { id: "alice " }))).toBeInstanceOf(NotFoundError);
    expect((await runNode(db, "Padded_Count", { filter: { v: "tok" } })).result).toBe(0);
    expect((await runNode(db, "Padded_Count", { filter: { v: { $in: ["tok", "tok  "] } } })).result).toBe(0);
    await runNode(db, "Padded_Create", { data: { id: "alice ", v: "x", code: "pad " } });
    expect((await runNode(db, "Padded_Count", {})).result).toBe(2);
  });

  it("lone surrogates and NUL get the same ValidationError as on every database, in JSON keys and values at any depth", async () => {
    for (const [body, at] of [
      [{ a: "\uD800" }, "data.body.a"],
      [{ "\uDC00": 1 }, "data.body"],
      [[{ k: ["x\u0000"] }], "data.body[0].k[0]"],
      [{ a: { "b\u0000": 1 } }, "data.body.a"],
    ] as const) {
      expect(await validationField(runNode(db, "Doc_Create", { data: { body } }))).toBe(at);
    }
    expect(await validationField(runNode(db, "Item_Create", { data: { id: "x\uD800", n: 1, name: "s" } }))).toBe("data.id");
    expect(raw(db, "SELECT COUNT(*) AS n FROM docs")).toEqual([{ n: 0 }]);
  });
});

describe("sqlite: URLs", () => {
  it("bad percent-encoding is a ValidationError naming the URL's path, not a URIError", () => {
    let caught: unknown;
    try {
      sqliteFilename("sqlite:/tmp/x%zz.db");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe("url.path");
    expect(() => new DataFlow("sqlite:/tmp/x%E0%A4%A.db")).toThrow(ValidationError);
    expect(sqliteFilename("sqlite:/tmp/x%25zz.db")).toBe("/tmp/x%zz.db");
  });
});
