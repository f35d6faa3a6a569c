import { ConnectionError, DataFlow, NotFoundError, ValidationError, WorkflowExecutionError, field } from "@dataflow/kernel";
import { MAX_DATETIME, MIN_DATETIME } from "@dataflow/kernel/plugin";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresAdapter } from "../src/index.js";
import postgres, { resolveSettings } from "../src/index.js";
import { failure, rawQuery, runNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function validationField(work: Promise<unknown>): Promise<string | undefined> {
  const error = await failure(work);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).field;
}

describe.skipIf(!res.ok)("PostgreSQL: hostile values", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [postgres] });
    db.model("Item", { id: field.string(), n: field.int() }, { table: "hv_items" });
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
      { table: "hv_kinds" },
    );
    db.model("Moment", { at: field.datetime(), label: field.string() }, { table: "hv_moments" });
    db.model("Doc", { body: field.json() }, { table: "hv_docs" });
    db.model("Word", { w: field.string() }, { table: "hv_words" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("$in / $nin with 100,000 values (the documented maximum) work: one array parameter", { timeout: 60_000 }, async () => {
    await runNode(db, "Item_BulkCreate", { data: Array.from({ length: 1000 }, (_, n) => ({ id: `i${n}`, n })) });
    const ids = Array.from({ length: 100_000 }, (_, n) => `i${n}`);
    const ns = Array.from({ length: 100_000 }, (_, n) => n * 3);
    expect((await runNode(db, "Item_Count", { filter: { id: { $in: ids } } })).result).toBe(1000);
    expect((await runNode(db, "Item_Count", { filter: { id: { $nin: ids } } })).result).toBe(0);
    expect((await runNode(db, "Item_Count", { filter: { n: { $in: ns } } })).result).toBe(334);
    expect((await runNode(db, "Item_BulkDelete", { filter: { n: { $nin: ns } } })).result.deleted).toBe(666);
    expect((await db.healthCheck()).ok).toBe(true);
  });

  it("$in / $nin keep exact semantics for every field kind", async () => {
    await runNode(db, "Kinds_BulkCreate", {
      data: [
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
      ],
    });
    const count = async (filter: Record<string, unknown>) => (await runNode(db, "Kinds_Count", { filter })).result as number;
    expect(await count({ big: { $in: [9223372036854775807n] } })).toBe(1);
    expect(await count({ big: { $nin: [9223372036854775807n, -9223372036854775808n] } })).toBe(1);
    expect(await count({ dec: { $in: ["12345678901234567890.00000000010", "-0.50"] } })).toBe(2);
    expect(await count({ dec: { $in: ["12345678901234567890.0000000002"] } })).toBe(0);
    expect(await count({ at: { $in: [new Date("2024-01-01T00:00:00.001Z"), "9999-12-31T23:59:59.999Z"] } })).toBe(2);
    expect(await count({ u: { $in: ["0F8FAD5B-D9CB-469F-A165-70867728950E"] } })).toBe(1);
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
    expect((await runNode(db, "Moment_List", { orderBy: "at" })).result.map((r: { at: Date }) => r.at.toISOString())).toEqual(sorted);
    expect((await runNode(db, "Moment_List", { orderBy: "-at" })).result.map((r: { at: Date }) => r.at.toISOString())).toEqual([...sorted].reverse());
    const count = async (filter: Record<string, unknown>) => (await runNode(db, "Moment_Count", { filter })).result as number;
    expect(await count({ at: { $gte: new Date(MAX_DATETIME.getTime() - 1) } })).toBe(2);
    expect(await count({ at: { $lt: new Date(MIN_DATETIME.getTime() + 1) } })).toBe(1);
    expect(await count({ at: { $gt: "0100-01-01T00:00:00Z", $lt: "9999-12-31T23:59:59.999Z" } })).toBe(2);
    for (const at of ["2024-02-30T00:00:00Z", "0000-12-31T23:59:59.999Z", "10000-01-01T00:00:00Z", new Date(Date.UTC(-5, 0, 1)), "2024-01-01T25:00:00Z"]) {
      expect(await validationField(runNode(db, "Moment_Create", { data: { at, label: "bad" } }))).toBe("data.at");
    }
    expect((await rawQuery(url, "SELECT COUNT(*)::int AS n FROM hv_moments WHERE label = 'bad'")).rows).toEqual([{ n: 0 }]);
  });

  it("strings compare exactly: trailing spaces count in keys, filters and unique constraints", async () => {
    db.model("Padded", { id: field.string(), v: field.string(), code: field.string().unique() }, { table: "hv_padded" });
    await runNode(db, "Padded_Create", { data: { id: "alice", v: "tok ", code: "pad" } });
    expect(await failure(runNode(db, "Padded_Delete", { id: "alice " }))).toBeInstanceOf(NotFoundError);
    expect((await runNode(db, "Padded_Count", { filter: { v: "tok" } })).result).toBe(0);
    expect((await runNode(db, "Padded_Count", { filter: { v: { $in: ["tok", "tok  "] } } })).result).toBe(0);
    await runNode(db, "Padded_Create", { data: { id: "alice ", v: "x", code: "pad " } });
    expect((await runNode(db, "Padded_Count", {})).result).toBe(2);
  });

  it("lone surrogates and NUL in JSON keys and values are a ValidationError before any SQL", async () => {
    for (const [body, at] of [
      [{ a: "\uD800" }, "data.body.a"],
      [{ "\uDC00": 1 }, "data.body"],
      [[{ k: ["x\u0000"] }], "data.body[0].k[0]"],
    ] as const) {
      expect(await validationField(runNode(db, "Doc_Create", { data: { body } }))).toBe(at);
    }
    expect((await rawQuery(url, "SELECT COUNT(*)::int AS n FROM hv_docs")).rows).toEqual([{ n: 0 }]);
  });

  it("a pattern PostgreSQL refuses is a ValidationError naming the $regex operand; a catastrophic one finishes in bounded time", async () => {
    await runNode(db, "Word_Create", { data: { w: `${"a".repeat(34)}!` } });
    expect(await validationField(runNode(db, "Word_Count", { filter: { $or: [{ w: "x" }, { w: { $regex: "(?<name>a)" } }] } }))).toBe("filter.$or[1].w.$regex");
    const start = performance.now();
    const outcome = await runNode(db, "Word_Count", { filter: { w: { $regex: "^(a+)+$" } } }).then(
      (r) => r.result as number,
      (e: unknown) => e,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    if (typeof outcome !== "number") expect(outcome).toBeInstanceOf(WorkflowExecutionError);
    else expect(outcome).toBe(0);
  });

  it("the session's backend terminated mid-transaction (pg_terminate_backend): a retryable ConnectionError; nothing committed", async () => {
    const adapter = db.adapter as PostgresAdapter;
    const outcome = await failure(
      adapter.transaction(async (tx) => {
        await runNode(db, "Word_Create", { data: { w: "uncommitted" } });
        const pid = (await tx.query("SELECT pg_backend_pid() AS pid", [])).rows[0]!.pid as number;
        await rawQuery(url, "SELECT pg_terminate_backend($1)", [pid]);
        await runNode(db, "Word_Create", { data: { w: "after kill" } });
      }),
    );
    expect(outcome).toBeInstanceOf(ConnectionError);
    expect((outcome as ConnectionError).retryable).toBe(true);
    expect((await rawQuery(url, "SELECT COUNT(*)::int AS n FROM hv_words WHERE w IN ('uncommitted', 'after kill')")).rows).toEqual([{ n: 0 }]);
    expect((await runNode(db, "Word_Create", { data: { w: "alive" } })).result.w).toBe("alive");
  });
});

describe("PostgreSQL URL mistakes are a ValidationError at construction, naming the part", () => {
  const fieldOf = (u: string) => {
    try {
      resolveSettings(u);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).not.toContain("hunter2");
      return (error as ValidationError).field;
    }
    throw new Error(`accepted ${u}`);
  };
  it("port, percent-encoding, unknown and ill-typed query parameters", () => {
    expect(fieldOf("postgres://u:hunter2@h:99999/db")).toBe("url.port");
    expect(fieldOf("postgres://u:hunter2@h:abc/db")).toBe("url.port");
    expect(fieldOf("postgres://u:hunter2@h:0/db")).toBe("url.port");
    expect(fieldOf("postgres://u%zz:hunter2@h/db")).toBe("url.user");
    expect(fieldOf("postgres://u:hunter2%zz@h/db")).toBe("url.password");
    expect(fieldOf("postgres://u:hunter2@h/d%zzb")).toBe("url.database");
    expect(fieldOf("postgres://u:hunter2@h/db?sslmode=bogus")).toBe("url.sslmode");
    expect(fieldOf("postgres://u:hunter2@h/db?ssl=maybe")).toBe("url.ssl");
    expect(fieldOf("postgres://u:hunter2@h/db?sslmod=require")).toBe("url.sslmod");
    expect(fieldOf("postgres://u:hunter2@h/db?lock_timeout=soon")).toBe("url.lock_timeout");
    expect(fieldOf("postgres://u:hunter2@h/db?sslrootcert=/nonexistent/ca.pem")).toBe("url.sslrootcert");
    expect(() => new DataFlow({ url: "postgres://u:hunter2@h:99999/db", plugins: [postgres] })).toThrow(ValidationError);
    expect(resolveSettings("postgresql://u:p@[::1]:5432/db?sslmode=verify-full&application_name=x&max=3").max).toBe(3);
  });
});
