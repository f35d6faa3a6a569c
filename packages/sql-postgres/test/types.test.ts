import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DataFlow, InvalidIdentifierError, UniqueViolationError, ValidationError, field } from "@dataflow/kernel";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { failure, rawClient, runNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
const suffix = () => randomBytes(4).toString("hex");

function declareAll(db: DataFlow, table: string) {
  return db.model(
    "Sample",
    {
      name: field.string({ maxLength: 40 }),
      note: field.text().optional(),
      qty: field.int().optional(),
      big: field.bigint().optional(),
      price: field.float().optional(),
      amount: field.decimal().optional(),
      small: field.decimal({ precision: 6, scale: 2 }).optional(),
      active: field.boolean().default(true),
      seen_at: field.datetime().optional(),
      day: field.date().optional(),
      meta: field.json().optional(),
      tags: field.json<string[]>().optional(),
      ref: field.uuid().optional(),
      status: field.enum(["new", "done"]).default("new"),
    },
    { table },
  );
}

describe.skipIf(!res.ok)(`PostgreSQL type mapping${res.ok ? "" : ` [${res.reason}]`}`, () => {
  let db: DataFlow;
  let raw: pg.Client;
  beforeAll(async () => {
    raw = await rawClient(url);
  });
  beforeEach(() => {
    db = new DataFlow({ url, plugins: [postgres] });
  });
  afterEach(async () => {
    await db.close();
  });
  afterAll(async () => {
    await raw?.end();
    if (res.ok) await res.db.dispose();
  });

  it("creates the documented column types", async () => {
    const table = `types_${suffix()}`;
    declareAll(db, table);
    await runNode(db, "Sample_Create", { data: { name: "x" } });
    const { rows } = await raw.query(
      `SELECT column_name, data_type, character_maximum_length AS len, numeric_precision AS p, numeric_scale AS s, is_nullable, is_identity
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    );
    const byName = Object.fromEntries(rows.map((r) => [r.column_name, r]));
    expect(byName.id).toMatchObject({ data_type: "bigint", is_identity: "YES", is_nullable: "NO" });
    expect(byName.name).toMatchObject({ data_type: "character varying", len: 40, is_nullable: "NO" });
    expect(byName.note.data_type).toBe("text");
    expect(byName.qty.data_type).toBe("bigint");
    expect(byName.big.data_type).toBe("bigint");
    expect(byName.price.data_type).toBe("double precision");
    expect(byName.amount).toMatchObject({ data_type: "numeric", p: 38, s: 10 });
    expect(byName.small).toMatchObject({ data_type: "numeric", p: 6, s: 2 });
    expect(byName.active.data_type).toBe("boolean");
    expect(byName.seen_at.data_type).toBe("timestamp with time zone");
    expect(byName.day.data_type).toBe("date");
    expect(byName.meta.data_type).toBe("jsonb");
    expect(byName.ref.data_type).toBe("uuid");
    expect(byName.status).toMatchObject({ data_type: "character varying", len: 255 });
    expect(byName.created_at.data_type).toBe("timestamp with time zone");
  });

  it("round-trips every type, and the raw driver sees the same values", async () => {
    const table = `types_${suffix()}`;
    declareAll(db, table);
    const data = {
      name: "Zoë 😀 '; DROP TABLE x; --",
      note: "line1\nline2\ttab \\ backslash",
      qty: Number.MAX_SAFE_INTEGER,
      big: 9223372036854775807n,
      price: 0.1 + 0.2,
      amount: "1234567890123456789012345678.0123456789",
      small: "-9999.99",
      active: false,
      seen_at: new Date("2024-02-29T23:59:59.999Z"),
      day: "1999-12-31",
      meta: { nested: { list: [1, "two", null, true] }, n: -1.5, s: "\\u0041" },
      tags: ["a", "b"],
      ref: "0F8FAD5B-D9CB-469F-A165-70867728950E",
      status: "done",
    };
    const created = (await runNode(db, "Sample_Create", { data })).result;
    const read = (await runNode(db, "Sample_Read", { id: created.id })).result;
    const expected = { ...data, ref: data.ref.toLowerCase() };
    for (const row of [created, read]) {
      expect(row).toMatchObject(expected);
      expect(typeof row.id).toBe("number");
      expect(typeof row.big).toBe("bigint");
      expect(row.seen_at).toBeInstanceOf(Date);
      expect(row.created_at).toBeInstanceOf(Date);
    }
    const { rows } = await raw.query(
      `SELECT name, note, qty::text AS qty, big::text AS big, price, amount::text AS amount, small::text AS small, active,
              seen_at, day, meta, jsonb_typeof(tags) AS tags_type, tags, ref::text AS ref, status FROM "${table}" WHERE id = $1`,
      [created.id],
    );
    const stored = rows[0];
    expect(stored).toEqual({
      name: data.name,
      note: data.note,
      qty: "9007199254740991",
      big: "9223372036854775807",
      price: 0.30000000000000004,
      amount: "1234567890123456789012345678.0123456789",
      small: "-9999.99",
      active: false,
      seen_at: new Date("2024-02-29T23:59:59.999Z"),
      day: "1999-12-31",
      meta: data.meta,
      tags_type: "array",
      tags: ["a", "b"],
      ref: "0f8fad5b-d9cb-469f-a165-70867728950e",
      status: "done",
    });
  });

  it("returns decimals in canonical form and never as floats", async () => {
    const table = `types_${suffix()}`;
    declareAll(db, table);
    const { result } = await runNode(db, "Sample_Create", { data: { name: "d", amount: "0010.5000", small: "0.10" } });
    expect(result.amount).toBe("10.5");
    expect(result.small).toBe("0.1");
    const sum = await raw.query(`SELECT (amount + 0.1)::text AS t FROM "${table}"`);
    expect(sum.rows[0].t).toBe("10.6000000000");
  });

  it("keeps 64-bit integers beyond Number.MAX_SAFE_INTEGER exact on every write path", async () => {
    const table = `big_${suffix()}`;
    db.model("Big", { label: field.string().unique(), big: field.bigint() }, { table });
    const values = [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 3n];
    await runNode(db, "Big_Create", { data: { label: "create", big: values[0] } });
    await runNode(db, "Big_BulkCreate", { data: [{ label: "copy", big: values[1] }] });
    await runNode(db, "Big_BulkCreate", { data: [{ label: "unnest", big: values[2] }], onConflict: "skip" });
    await runNode(db, "Big_Upsert", { where: { label: "upsert" }, create: { big: values[3] } });
    const { rows } = await raw.query(`SELECT label, big::text AS big FROM "${table}" ORDER BY id`);
    expect(rows.map((r) => BigInt(r.big))).toEqual(values);
    const listed = (await runNode(db, "Big_List", { orderBy: "id" })).result.map((r: { big: bigint }) => r.big);
    expect(listed).toEqual(values);
    const above = (await runNode(db, "Big_List", { filter: { big: { $gt: 2n ** 53n } }, orderBy: "big" })).result;
    expect(above.map((r: { label: string }) => r.label)).toEqual(["create", "copy"]);
    const err = await failure(runNode(db, "Big_Create", { data: { label: "overflow", big: 2n ** 63n } }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((await raw.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(4);
  });

  it("rejects NUL in text and JSON with a ValidationError naming the field, writing nothing", async () => {
    const table = `nul_${suffix()}`;
    declareAll(db, table);
    const { result } = await runNode(db, "Sample_Create", { data: { name: "keep" } });
    const attempts: Array<[string, Record<string, unknown>, string]> = [
      ["Sample_Create", { data: { name: "a\u0000b" } }, "data.name"],
      ["Sample_Create", { data: { name: "ok", note: "\u0000" } }, "data.note"],
      ["Sample_Create", { data: { name: "ok", meta: { k: "x\u0000" } } }, "data.meta.k"],
      ["Sample_BulkCreate", { data: [{ name: "fine" }, { name: "bad\u0000" }] }, "data[1].name"],
      ["Sample_BulkUpsert", { data: [{ id: result.id, name: "bad\u0000" }], conflictOn: ["id"] }, "data[0].name"],
      ["Sample_Update", { id: result.id, fields: { note: "nul\u0000" } }, "fields.note"],
    ];
    for (const [type, params, path] of attempts) {
      const err = await failure(runNode(db, type, params));
      expect(err, type).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).field, type).toBe(path);
    }
    const { rows } = await raw.query(`SELECT name, note, meta FROM "${table}"`);
    expect(rows).toEqual([{ name: "keep", note: null, meta: null }]);
  });

  it("stores dates as the given calendar day", async () => {
    const table = `days_${suffix()}`;
    db.model("Day", { day: field.date() }, { table });
    const days = ["0001-01-01", "1970-01-01", "2024-02-29", "9999-12-31"];
    await runNode(db, "Day_BulkCreate", { data: days.map((day) => ({ day })) });
    const listed = (await runNode(db, "Day_List", { orderBy: "day" })).result.map((r: { day: string }) => r.day);
    expect(listed).toEqual(days);
    const { rows } = await raw.query(`SELECT day::text AS day FROM "${table}" ORDER BY day`);
    expect(rows.map((r) => r.day)).toEqual(days);
  });

  it("gives the same instants under TZ=America/Chicago and TZ=UTC", async () => {
    const probe = fileURLToPath(new URL("./fixtures/tz-probe.mjs", import.meta.url));
    const run = async (tz: string) => {
      const { stdout } = await promisify(execFile)(process.execPath, [probe, url, `tz_${suffix()}`], {
        env: { ...process.env, TZ: tz },
        cwd: fileURLToPath(new URL("..", import.meta.url)),
      });
      return JSON.parse(stdout.trim().split("\n").at(-1)!);
    };
    const [chicago, utc] = await Promise.all([run("America/Chicago"), run("UTC")]);
    expect(chicago.offsetMinutes).toBe(360);
    expect(utc.offsetMinutes).toBe(0);
    const { offsetMinutes: _c, ...chicagoValues } = chicago;
    const { offsetMinutes: _u, ...utcValues } = utc;
    expect(chicagoValues).toEqual(utcValues);
    expect(utc.list).toEqual([
      ["a-offset", "2024-03-10T07:30:00.000Z", "1999-12-31", true],
      ["b-no-offset", "2024-03-10T07:30:00.000Z", "2000-01-01", true],
      ["c-zulu", "2024-03-10T07:30:00.000Z", "2024-02-29", true],
      ["d-dst-overlap", "2024-11-03T07:30:00.000Z", "2024-11-03", true],
      ["e-date-object", "1969-12-31T23:59:59.999Z", "1970-01-01", true],
      ["f-far", "9999-12-31T23:59:59.999Z", "9999-12-31", true],
    ]);
    expect(utc.naive).toBe("2024-03-10T02:30:00.250Z");
    expect(utc.aware).toBe("2024-03-10T02:30:00.000Z");
    expect(utc.d).toBe("1999-12-31");
  });

  it("accepts identifiers of 63 bytes and rejects 64", async () => {
    const table = `t${suffix()}_${"a".repeat(53)}`;
    const column = `c_${"b".repeat(61)}`;
    expect(Buffer.byteLength(table)).toBe(63);
    expect(Buffer.byteLength(column)).toBe(63);
    db.model("LongNames", { [column]: field.string().unique() }, { table });
    const { result } = await runNode(db, "LongNames_Create", { data: { [column]: "v" } });
    expect(result[column]).toBe("v");
    const tables = await raw.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", [table]);
    expect(tables.rowCount).toBe(1);
    const columns = await raw.query("SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND column_name = $2", [table, column]);
    expect(columns.rowCount).toBe(1);
    // The unique index name (ux_<table>_<column>) is fitted to 63 bytes, and violations still name the field.
    const indexes = await raw.query("SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexname LIKE 'ux\\_%'", [table]);
    expect(indexes.rowCount).toBe(1);
    expect(Buffer.byteLength(indexes.rows[0].indexname)).toBeLessThanOrEqual(63);
    const dup = await failure(runNode(db, "LongNames_Create", { data: { [column]: "v" } }));
    expect(dup).toBeInstanceOf(UniqueViolationError);
    expect((dup as UniqueViolationError).fields).toEqual([column]);

    const other = new DataFlow({ url, plugins: [postgres] });
    try {
      expect(() => other.model("TooLongTable", { x: field.string() }, { table: `${table}x` })).toThrow(InvalidIdentifierError);
      expect(() => other.model("TooLongField", { [`${column}x`]: field.string() }, { table: `t_${suffix()}` })).toThrow(InvalidIdentifierError);
    } finally {
      await other.close();
    }
    const created = await raw.query("SELECT table_name FROM information_schema.tables WHERE table_name LIKE $1", [`${table}%`]);
    expect(created.rows.map((r) => r.table_name)).toEqual([table]);
  });
});
