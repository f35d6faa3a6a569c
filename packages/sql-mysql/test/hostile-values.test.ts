import {
  ConnectionError,
  DataFlow,
  NotFoundError,
  SchemaError,
  TransactionError,
  UniqueViolationError,
  ValidationError,
  WorkflowExecutionError,
  field,
} from "@dataflow/kernel";
import { MAX_DATETIME, MIN_DATETIME } from "@dataflow/kernel/plugin";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "../src/index.js";
import type { MysqlAdapter } from "../src/index.js";
import { rawQuery } from "./oracle.js";
import { failure, runNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function validationField(work: Promise<unknown>): Promise<string | undefined> {
  const error = await failure(work);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).field;
}

describe.skipIf(!res.ok)("MariaDB/MySQL: strings compare exactly (NO PAD collation)", () => {
  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Person", { id: field.string(), v: field.string(), code: field.string().unique(), note: field.text().optional() }, { table: "people" });
    await db.initialize();
  });
  afterAll(() => db.close());

  it("trailing spaces are significant in keys, filters and unique constraints", async () => {
    await runNode(db, "Person_Create", { data: { id: "alice", v: "tok ", code: "pad", note: "x " } });
    // A key differing only by a trailing space is another row: the Delete finds nothing and deletes nothing.
    expect(await failure(runNode(db, "Person_Delete", { id: "alice " }))).toBeInstanceOf(NotFoundError);
    expect(await rawQuery(url, "SELECT id FROM people")).toEqual([{ id: "alice" }]);
    expect((await runNode(db, "Person_Count", { filter: { v: "tok" } })).result).toBe(0);
    expect((await runNode(db, "Person_Count", { filter: { v: "tok " } })).result).toBe(1);
    expect((await runNode(db, "Person_Count", { filter: { v: { $in: ["tok", "tok  "] } } })).result).toBe(0);
    expect((await runNode(db, "Person_Count", { filter: { note: "x" } })).result).toBe(0);
    expect((await runNode(db, "Person_Count", { filter: { v: { $gt: "tok" } } })).result).toBe(1);
    // "pad " and "pad" are distinct unique values, and "alice " is a distinct key.
    await runNode(db, "Person_Create", { data: { id: "alice ", v: "tok", code: "pad " } });
    expect(await rawQuery(url, "SELECT CONCAT('[', id, ']') AS i, CONCAT('[', code, ']') AS c FROM people ORDER BY id")).toEqual([
      { i: "[alice]", c: "[pad]" },
      { i: "[alice ]", c: "[pad ]" },
    ]);
    expect(await failure(runNode(db, "Person_Create", { data: { id: "bob", v: "t", code: "pad " } }))).toBeInstanceOf(UniqueViolationError);
    const { result } = await runNode(db, "Person_Upsert", { where: { code: "pad" }, update: { v: "upserted" }, create: { id: "c", v: "new" } });
    expect(result.id).toBe("alice");
    expect((await runNode(db, "Person_Read", { id: "alice " })).result.v).toBe("tok");
  });

  it("a table created earlier with a PAD SPACE collation is refused before any DDL, with the statement that converts it", async () => {
    await rawQuery(
      url,
      "CREATE TABLE legacy_pad (id VARCHAR(255) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, created_at DATETIME(6), updated_at DATETIME(6)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    );
    await rawQuery(url, "INSERT INTO legacy_pad VALUES ('alice', 'A', NOW(6), NOW(6))");
    const legacy = new DataFlow({ url, plugins: [mysql] });
    try {
      legacy.model("Legacy", { id: field.string(), name: field.string(), extra: field.int().optional() }, { table: "legacy_pad" });
      const error = await failure(runNode(legacy, "Legacy_Delete", { id: "alice " }));
      expect(error).toBeInstanceOf(SchemaError);
      expect(error.message).toMatch(/legacy_pad.*trailing spaces.*legacy_pad\.id \(utf8mb4_bin\), legacy_pad\.name \(utf8mb4_bin\)/s);
      expect((error as SchemaError).field).toBe("legacy_pad.id,legacy_pad.name");
      expect((error as SchemaError).fix).toMatch(/ALTER TABLE `legacy_pad` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_(nopad|0900)_bin/);
      expect(await rawQuery(url, "SELECT id FROM legacy_pad")).toEqual([{ id: "alice" }]);
      expect(
        await rawQuery(
          url,
          "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'legacy_pad' AND column_name = 'extra'",
        ),
      ).toEqual([]);
      await rawQuery(url, /ALTER TABLE [^;]+/.exec((error as SchemaError).fix!)![0]);
    } finally {
      await legacy.close();
    }
    const fixed = new DataFlow({ url, plugins: [mysql] });
    try {
      fixed.model("Legacy", { id: field.string(), name: field.string(), extra: field.int().optional() }, { table: "legacy_pad" });
      expect(await failure(runNode(fixed, "Legacy_Delete", { id: "alice " }))).toBeInstanceOf(NotFoundError);
      expect((await runNode(fixed, "Legacy_Count", {})).result).toBe(1);
    } finally {
      await fixed.close();
    }
  });
});

describe.skipIf(!res.ok)("MariaDB/MySQL: hostile values", () => {
  for (const preparedStatements of [false, true]) {
    it(`$in / $nin with 100,000 values work (${preparedStatements ? "prepared statements" : "text protocol"})`, { timeout: 60_000 }, async () => {
      const db = new DataFlow({ url, plugins: [mysql], adapter: { preparedStatements } });
      try {
        db.model("Item", { id: field.string(), n: field.int() }, { table: `items_in_${String(preparedStatements)}` });
        await runNode(db, "Item_BulkCreate", { data: Array.from({ length: 1000 }, (_, n) => ({ id: `i${n}`, n })) });
        const ids = Array.from({ length: 100_000 }, (_, n) => `i${n}`);
        const ns = Array.from({ length: 100_000 }, (_, n) => n * 3);
        expect((await runNode(db, "Item_Count", { filter: { id: { $in: ids } } })).result).toBe(1000);
        expect((await runNode(db, "Item_Count", { filter: { id: { $nin: ids } } })).result).toBe(0);
        expect((await runNode(db, "Item_Count", { filter: { n: { $in: ns } } })).result).toBe(334);
        expect((await runNode(db, "Item_BulkDelete", { filter: { n: { $nin: ns } } })).result.deleted).toBe(666);
      } finally {
        await db.close();
      }
    });
  }

  let db: DataFlow;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Moment", { at: field.datetime(), label: field.string() }, { table: "moments" });
    db.model("Doc", { body: field.json() }, { table: "docs" });
    db.model("Word", { w: field.string() }, { table: "words" });
    await db.initialize();
  });
  afterAll(() => db.close());

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
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM moments WHERE label = 'bad'")).toEqual([{ n: "0" }]);
  });

  it("lone surrogates and NUL in JSON keys and values are a ValidationError before any SQL, not a constraint error", async () => {
    for (const [body, at] of [
      [{ a: "\uD800" }, "data.body.a"],
      [{ "\uDC00": 1 }, "data.body"],
      [[{ k: ["x\u0000"] }], "data.body[0].k[0]"],
    ] as const) {
      expect(await validationField(runNode(db, "Doc_Create", { data: { body } }))).toBe(at);
    }
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM docs")).toEqual([{ n: "0" }]);
  });

  it("a pattern PCRE refuses is a ValidationError naming the $regex operand; a catastrophic one finishes in bounded time", async () => {
    await runNode(db, "Word_Create", { data: { w: `${"a".repeat(34)}!` } });
    expect(await validationField(runNode(db, "Word_Count", { filter: { $or: [{ w: "x" }, { w: { $regex: "\\u0041" } }] } }))).toBe("filter.$or[1].w.$regex");
    const start = performance.now();
    const outcome = await runNode(db, "Word_Count", { filter: { w: { $regex: "^(a+)+$" } } }).then(
      (r) => r.result as number,
      (e: unknown) => e,
    );
    expect(performance.now() - start).toBeLessThan(5000);
    // PCRE either answers (no match) or stops at its backtracking limit; either way the work is bounded.
    if (typeof outcome !== "number") expect(outcome).toBeInstanceOf(WorkflowExecutionError);
    else expect(outcome).toBe(0);
  });
});

describe.skipIf(!res.ok)("MariaDB/MySQL: the same failure is retryable as on PostgreSQL", () => {
  let db: DataFlow;
  let adapter: MysqlAdapter;
  beforeAll(async () => {
    db = new DataFlow({ url, plugins: [mysql] });
    db.model("Ledger", { n: field.int() }, { table: "retry_ledger" });
    db.model("Other", { n: field.int() }, { table: "retry_other" });
    await db.initialize();
    adapter = db.adapter as MysqlAdapter;
  });
  afterAll(() => db.close());

  it("the session's connection killed mid-transaction (KILL CONNECTION): a retryable ConnectionError; nothing committed", async () => {
    const outcome = await failure(
      adapter.transaction(async (tx) => {
        await runNode(db, "Ledger_Create", { data: { n: 1 } });
        const id = Number((await tx.query("SELECT CONNECTION_ID() AS id", [])).rows[0]!.id);
        await rawQuery(url, `KILL CONNECTION ${id}`);
        await runNode(db, "Ledger_Create", { data: { n: 2 } });
      }),
    );
    expect(outcome).toBeInstanceOf(ConnectionError);
    expect((outcome as ConnectionError).retryable).toBe(true);
    expect(await rawQuery(url, "SELECT COUNT(*) AS n FROM retry_ledger")).toEqual([{ n: "0" }]);
    expect((await runNode(db, "Ledger_Create", { data: { n: 3 } })).result.n).toBe(3);
  });

  it("1412 'Table definition has changed' inside a transaction is a retryable TransactionError", async () => {
    const outcome = await failure(
      adapter.transaction(
        async () => {
          await runNode(db, "Other_Count", {}); // the transaction's snapshot starts here
          await rawQuery(url, "ALTER TABLE retry_ledger ADD COLUMN rebuilt INT NULL, ALGORITHM=COPY");
          await runNode(db, "Ledger_List", {});
        },
        { isolationLevel: "repeatable read" },
      ),
    );
    expect(outcome).toBeInstanceOf(TransactionError);
    expect((outcome as TransactionError).retryable).toBe(true);
    expect((outcome as Error).cause).toMatchObject({ errno: 1412 });
  });
});
