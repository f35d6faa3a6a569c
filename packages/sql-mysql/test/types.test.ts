import { DataFlow, InvalidIdentifierError, UniqueViolationError, ValidationError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { failure, runNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

const EMOJI = "😀𝕏🎉";
const TRICKY = "C:\\new\\table 'quoted' \"dq\" ` -- /* */ ; \n\t\r \u001a end";

function declare(db: DataFlow, table: string) {
  return db.model(
    "Thing",
    {
      id: field.string(),
      name: field.string({ maxLength: 20 }),
      body: field.text().optional(),
      n: field.int().optional(),
      big: field.bigint().optional(),
      f: field.float().optional(),
      amount: field.decimal().optional(),
      ok: field.boolean().optional(),
      at: field.datetime().optional(),
      day: field.date().optional(),
      doc: field.json().optional(),
      ref: field.uuid().optional(),
      kind: field.enum(["a", "b"]).optional(),
    },
    { table },
  );
}

describe.skipIf(!res.ok).each([
  { prepared: true, label: "prepared statements" },
  { prepared: false, label: "text protocol" },
])("type round trips, read back through a raw mysql2 connection ($label)", ({ prepared }) => {
  let db: DataFlow;
  const table = `things_${prepared ? "ps" : "tx"}`;
  beforeAll(async () => {
    db = new DataFlow({ url: `${url}?preparedStatements=${prepared}`, plugins: [mysql] });
    declare(db, table);
    await db.initialize();
  });
  afterAll(() => db.close());

  it("stores every type exactly and returns the canonical JS types", async () => {
    const data = {
      id: "all",
      name: EMOJI,
      body: TRICKY + EMOJI.repeat(1000),
      n: -Number.MAX_SAFE_INTEGER,
      big: 9223372036854775807n,
      f: 5e-324,
      amount: "1234567890123456789012345678.1234567891",
      ok: true,
      at: new Date("2024-02-29T23:59:59.999Z"),
      day: "1999-12-31",
      doc: { s: "text", emoji: EMOJI, n: [1, 2.5, null, true], back: "a\\b" },
      ref: "0F8FAD5B-D9CB-469F-A165-70867728950E",
      kind: "b",
    };
    const { result } = await runNode(db, "Thing_Create", { data });
    expect(result).toMatchObject({ ...data, ref: data.ref.toLowerCase() });
    expect(typeof result.big).toBe("bigint");
    expect(typeof result.n).toBe("number");
    expect(typeof result.ok).toBe("boolean");
    expect(result.at).toBeInstanceOf(Date);

    const [raw] = await rawQuery<Record<string, unknown>>(url, `SELECT *, HEX(name) AS name_hex, CAST(at AS CHAR) AS at_text FROM ${table} WHERE id = 'all'`);
    expect(raw!.name_hex).toBe(Buffer.from(EMOJI, "utf8").toString("hex").toUpperCase());
    expect(raw!.body).toBe(data.body);
    expect(raw!.big).toBe("9223372036854775807");
    expect(raw!.n).toBe(String(-Number.MAX_SAFE_INTEGER));
    expect(raw!.amount).toBe("1234567890123456789012345678.1234567891");
    expect(raw!.ok).toBe(1);
    expect(raw!.at_text).toBe("2024-02-29 23:59:59.999000");
    expect(raw!.day).toBe("1999-12-31");
    // mysql2 parses JSON columns unless told not to (the adapter sets jsonStrings and parses itself).
    expect(typeof raw!.doc === "string" ? JSON.parse(raw!.doc) : raw!.doc).toEqual(data.doc);
    expect(raw!.ref).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
  });

  it("64-bit integers beyond Number.MAX_SAFE_INTEGER are exact in values and in filters", async () => {
    const values = [9223372036854775807n, -9223372036854775808n, 9007199254740993n];
    await runNode(db, "Thing_BulkCreate", { data: values.map((big, i) => ({ id: `big${i}`, name: "b", big })) });
    const { result } = await runNode(db, "Thing_List", { filter: { id: { $like: "big%" } }, orderBy: "id" });
    expect(result.map((r: { big: bigint }) => r.big)).toEqual(values);
    // 2^63-2 and 2^53+2 are the same double as their neighbours: only an exact comparison tells them apart.
    expect((await runNode(db, "Thing_Count", { filter: { big: 9223372036854775806n } })).result).toBe(0);
    expect((await runNode(db, "Thing_Count", { filter: { big: 9007199254740992n } })).result).toBe(0);
    expect((await runNode(db, "Thing_Count", { filter: { big: 9007199254740993n } })).result).toBe(1);
    const raw = await rawQuery<{ big: string }>(url, `SELECT big FROM ${table} WHERE id LIKE 'big%' ORDER BY id`);
    expect(raw.map((r) => r.big)).toEqual(values.map(String));
  });

  it("decimals compare exactly beyond double precision", async () => {
    await runNode(db, "Thing_Create", { data: { id: "dec", name: "d", amount: "1234567890123456789012345678.1234567891" } });
    expect((await runNode(db, "Thing_Count", { filter: { amount: "1234567890123456789012345678.1234567890" } })).result).toBe(0);
    expect((await runNode(db, "Thing_Count", { filter: { amount: { $gt: "1234567890123456789012345678.123456789" } } })).result).toBeGreaterThanOrEqual(1);
    expect((await runNode(db, "Thing_Read", { filter: { amount: "1234567890123456789012345678.1234567891", id: "dec" } })).result.id).toBe("dec");
  });

  it("timestamps with and without offsets are the same instant, whatever the process time zone", async () => {
    const zone = process.env.TZ;
    process.env.TZ = "America/Chicago";
    try {
      await runNode(db, "Thing_Create", { data: { id: "t1", name: "t", at: "2024-03-10T02:30:00-05:00" } });
      await runNode(db, "Thing_Create", { data: { id: "t2", name: "t", at: "2024-03-10T07:30:00" } });
      await runNode(db, "Thing_Create", { data: { id: "t3", name: "t", at: new Date(Date.UTC(2024, 2, 10, 7, 30)) } });
      const raw = await rawQuery<{ at: string }>(url, `SELECT CAST(at AS CHAR) AS at FROM ${table} WHERE id IN ('t1','t2','t3')`);
      expect(raw.map((r) => r.at)).toEqual(Array(3).fill("2024-03-10 07:30:00.000000"));
      const { result } = await runNode(db, "Thing_List", { filter: { at: new Date("2024-03-10T07:30:00Z") } });
      expect(result.map((r: { at: Date }) => r.at.toISOString())).toEqual(Array(3).fill("2024-03-10T07:30:00.000Z"));
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("strings with backslashes, quotes and control characters are stored verbatim and match exactly", async () => {
    await runNode(db, "Thing_Create", { data: { id: "esc", name: "x\\%_'y", body: TRICKY } });
    const [raw] = await rawQuery<{ name: string; body: string }>(url, `SELECT name, body FROM ${table} WHERE id = 'esc'`);
    expect(raw).toEqual({ name: "x\\%_'y", body: TRICKY });
    expect((await runNode(db, "Thing_Count", { filter: { name: { $like: "x\\\\\\%\\_'%" } } })).result).toBe(1);
    expect((await runNode(db, "Thing_Count", { filter: { name: { $contains: "\\%_'" } } })).result).toBe(1);
    expect((await runNode(db, "Thing_Count", { filter: { name: "X\\%_'Y" } })).result).toBe(0);
    expect((await runNode(db, "Thing_Count", { filter: { name: { $ilike: "X\\\\\\%\\_'Y" } } })).result).toBe(1);
  });
});

describe.skipIf(!res.ok)("what the database itself enforces (strict mode)", () => {
  let db: DataFlow;
  beforeAll(async () => {
    // A table narrower than the model, so values the kernel accepts reach the server's own checks
    // (with the binary NO PAD collation DataFlow requires of text columns).
    db = new DataFlow({ url, plugins: [mysql], existingSchemaMode: true });
    await db.adapter.connect();
    const collation = (db.adapter as MysqlAdapter).dialect.features.exactCollation!;
    await rawQuery(
      url,
      `CREATE TABLE narrow (id VARCHAR(10) NOT NULL PRIMARY KEY, name VARCHAR(5) NOT NULL, n TINYINT NULL, created_at DATETIME(6) NOT NULL, updated_at DATETIME(6) NOT NULL) CHARSET=utf8mb4 COLLATE=${collation}`,
    );
    db.model("Narrow", { id: field.string(), name: field.string(), n: field.int().optional() }, { table: "narrow" });
  });
  afterAll(() => db.close());

  it("a string over the column limit is an error naming the field, and nothing is stored", async () => {
    const error = await failure(runNode(db, "Narrow_Create", { data: { id: "a", name: "😀😀😀😀😀😀" } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("name");
    expect(error.message).not.toContain("😀");
    expect(await rawQuery(url, "SELECT * FROM narrow")).toEqual([]);
    await runNode(db, "Narrow_Create", { data: { id: "b", name: "😀😀😀😀😀" } });
    expect(await rawQuery(url, "SELECT name FROM narrow")).toEqual([{ name: "😀😀😀😀😀" }]);
  });

  it("an out-of-range number is an error, never clamped", async () => {
    const error = await failure(runNode(db, "Narrow_Create", { data: { id: "c", name: "c", n: 1000 } }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("n");
    expect(await rawQuery(url, "SELECT id FROM narrow WHERE id = 'c'")).toEqual([]);
    const update = await failure(runNode(db, "Narrow_Update", { id: "b", fields: { n: -129 } }));
    expect(update).toBeInstanceOf(ValidationError);
    expect(await rawQuery(url, "SELECT n FROM narrow WHERE id = 'b'")).toEqual([{ n: null }]);
  });
});

describe.skipIf(!res.ok)("identifiers at and over the limit", () => {
  const longField = `f${"x".repeat(62)}`; // 63 characters: the kernel's limit (MySQL allows 64)
  const longTable = `t${"y".repeat(62)}`;
  let db: DataFlow;
  beforeAll(() => {
    db = new DataFlow({ url, plugins: [mysql] });
  });
  afterAll(() => db.close());

  it("a 63-character table and field work; the generated index name is fitted to 64 and still names the field", async () => {
    db.model("Wide", { [longField]: field.string().unique() }, { table: longTable });
    await runNode(db, "Wide_Create", { data: { [longField]: "v" } });
    const error = await failure(runNode(db, "Wide_Create", { data: { [longField]: "v" } }));
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect((error as UniqueViolationError).fields).toEqual([longField]);
    const indexes = await rawQuery<{ name: string }>(
      url,
      "SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?",
      [longTable],
    );
    const fitted = indexes.map((i) => i.name).find((n) => n !== "PRIMARY")!;
    expect(fitted.length).toBeLessThanOrEqual(64);
    expect(fitted.startsWith(`ux_${longTable}`.slice(0, 40))).toBe(true);
    expect(await rawQuery(url, `SELECT COUNT(*) AS n FROM ${longTable}`)).toEqual([{ n: "1" }]);
  });

  it("names over the limit are rejected at declaration, before any SQL", () => {
    expect(() => db.model("Wider", { [`${longField}z`]: field.string() })).toThrow(InvalidIdentifierError);
    expect(() => db.model("Widest", { a: field.string() }, { table: `${longTable}z` })).toThrow(InvalidIdentifierError);
    expect((db.adapter as MysqlAdapter).dialect.maxIdentifierLength).toBe(64);
  });
});
