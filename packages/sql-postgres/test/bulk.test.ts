import { randomBytes } from "node:crypto";
import { ConstraintViolationError, DataFlow, UniqueViolationError, field } from "@dataflow/kernel";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";
import postgres from "../src/index.js";
import { failure, rawClient, runNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
const suffix = () => randomBytes(4).toString("hex");

const HOSTILE = [
  "tab\there",
  "new\nline",
  "carriage\rreturn\r\n",
  "back\\slash\\",
  "\\N",
  "\\.",
  "\\",
  "\\\\N\\t",
  "emoji 😀🎉 and 𝕏",
  "'; DROP TABLE items; --",
  'quote " and , comma {braces} "NULL"',
  "NULL",
  "",
  " leading and trailing ",
  "\u0001\u001f control",
  "ünïcödé ✓",
];

function declareRows(db: DataFlow, table: string) {
  return db.model(
    "Row",
    { label: field.string().unique(), note: field.text().optional(), n: field.int(), big: field.bigint().optional(), meta: field.json().optional() },
    { table },
  );
}

describe.skipIf(!res.ok)(`PostgreSQL bulk paths${res.ok ? "" : ` [${res.reason}]`}`, () => {
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

  const count = async (table: string) => (await raw.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n as number;

  it("BulkCreate writes 200,000 rows with COPY, all present", async () => {
    const table = `copy_${suffix()}`;
    declareRows(db, table);
    const data = Array.from({ length: 200_000 }, (_, i) => ({ label: `r${i}`, n: i, big: BigInt(i) * 10_000_000_000n }));
    const { result } = await runNode(db, "Row_BulkCreate", { data });
    expect(result).toEqual({ inserted: 200_000, skipped: 0, updated: 0 });
    const { rows } = await raw.query(
      `SELECT count(*)::int AS n, count(DISTINCT label)::int AS labels, sum(n)::text AS total, min(n) AS lo, max(n) AS hi,
              sum(big)::text AS bigs, count(*) FILTER (WHERE label <> 'r' || n)::int AS mismatched FROM "${table}"`,
    );
    expect(rows[0]).toEqual({
      n: 200_000,
      labels: 200_000,
      total: String((199_999 * 200_000) / 2),
      lo: "0",
      hi: "199999",
      bigs: (((199_999n * 200_000n) / 2n) * 10_000_000_000n).toString(),
      mismatched: 0,
    });
  });

  it("BulkCreate with onConflict skip writes 200,000 rows in UNNEST batches", async () => {
    const table = `unnest_${suffix()}`;
    declareRows(db, table);
    await runNode(db, "Row_BulkCreate", { data: [{ label: "r7", n: -1 }] });
    const data = Array.from({ length: 200_000 }, (_, i) => ({ label: `r${i}`, n: i, meta: { i } }));
    const { result } = await runNode(db, "Row_BulkCreate", { data, onConflict: "skip", conflictOn: ["label"] });
    expect(result).toEqual({ inserted: 199_999, skipped: 1, updated: 0 });
    const { rows } = await raw.query(
      `SELECT count(*)::int AS n, count(DISTINCT label)::int AS labels, sum(n)::text AS total,
              count(*) FILTER (WHERE label <> 'r7' AND (meta->>'i')::int <> n)::int AS mismatched FROM "${table}"`,
    );
    expect(rows[0]).toEqual({ n: 200_000, labels: 200_000, total: String((199_999 * 200_000) / 2 - 7 - 1), mismatched: 0 });
  });

  for (const path of ["COPY", "UNNEST"] as const) {
    it(`stores hostile strings byte-exact through ${path}`, async () => {
      const table = `hostile_${suffix()}`;
      declareRows(db, table);
      const data = HOSTILE.map((note, i) => ({ label: `h${i}`, note, n: i, meta: { note } }));
      const params = path === "COPY" ? { data } : { data, onConflict: "skip", conflictOn: ["label"] };
      expect((await runNode(db, "Row_BulkCreate", params)).result.inserted).toBe(HOSTILE.length);
      const { rows } = await raw.query(
        `SELECT note, octet_length(note) AS bytes, encode(convert_to(note, 'UTF8'), 'hex') AS hex, meta FROM "${table}" ORDER BY n`,
      );
      expect(rows.map((r) => r.note)).toEqual(HOSTILE);
      expect(rows.map((r) => r.hex)).toEqual(HOSTILE.map((s) => Buffer.from(s, "utf8").toString("hex")));
      expect(rows.map((r) => r.meta.note)).toEqual(HOSTILE);
      expect(await count(table)).toBe(HOSTILE.length);
      const listed = (await runNode(db, "Row_List", { orderBy: "n" })).result.map((r: { note: string }) => r.note);
      expect(listed).toEqual(HOSTILE);
    });
  }

  it("a failing COPY leaves no row of the node", async () => {
    const table = `atomic_${suffix()}`;
    declareRows(db, table);
    const data = Array.from({ length: 30_000 }, (_, i) => ({ label: i === 29_999 ? "r5" : `r${i}`, n: i }));
    const err = await failure(runNode(db, "Row_BulkCreate", { data }));
    expect(err).toBeInstanceOf(UniqueViolationError);
    expect((err as UniqueViolationError).fields).toEqual(["label"]);
    expect(err.message).not.toContain("r5");
    expect(JSON.stringify(err.cause)).not.toContain("r5");
    expect(await count(table)).toBe(0);
  });

  it("a batch failing after earlier UNNEST batches leaves no row of the node", async () => {
    const table = `atomic_${suffix()}`;
    declareRows(db, table);
    await runNode(db, "Row_Create", { data: { label: "seed", n: -1 } });
    await raw.query(`ALTER TABLE "${table}" ADD CONSTRAINT n_small CHECK (n < 25000)`);
    const data = Array.from({ length: 30_000 }, (_, i) => ({ label: `r${i}`, n: i }));
    const err = await failure(runNode(db, "Row_BulkCreate", { data, onConflict: "skip", batchSize: 10_000 }));
    expect(err).toBeInstanceOf(ConstraintViolationError);
    expect(err.message).toContain("n_small");
    expect(await count(table)).toBe(1);
  });

  it("inside a transaction, a failing bulk rolls back to its savepoint only", async () => {
    const table = `savepoint_${suffix()}`;
    declareRows(db, table);
    await db.initialize();
    const adapter = db.adapter as PostgresAdapter;
    await adapter.transaction(async () => {
      await runNode(db, "Row_Create", { data: { label: "before", n: 0 } });
      const err = await failure(
        runNode(db, "Row_BulkCreate", {
          data: [
            { label: "x1", n: 1 },
            { label: "before", n: 2 },
          ],
        }),
      );
      expect(err).toBeInstanceOf(UniqueViolationError);
      await runNode(db, "Row_BulkCreate", { data: [{ label: "after", n: 3 }], onConflict: "skip" });
      expect(await count(table)).toBe(0);
    });
    const { rows } = await raw.query(`SELECT label FROM "${table}" ORDER BY n`);
    expect(rows.map((r) => r.label)).toEqual(["before", "after"]);
  });

  it("counts skipped and updated rows like a row-by-row loop, in-batch duplicates included", async () => {
    const table = `counts_${suffix()}`;
    declareRows(db, table);
    await runNode(db, "Row_BulkCreate", {
      data: [
        { label: "a", n: 1, note: "old" },
        { label: "b", n: 2, note: "old" },
      ],
    });
    const skip = await runNode(db, "Row_BulkCreate", {
      data: [
        { label: "a", n: 10 },
        { label: "c", n: 3 },
        { label: "c", n: 30 },
      ],
      onConflict: "skip",
      conflictOn: ["label"],
    });
    expect(skip.result).toEqual({ inserted: 1, skipped: 2, updated: 0 });
    const upsert = await runNode(db, "Row_BulkUpsert", {
      data: [
        { label: "b", n: 20, note: "b1" },
        { label: "d", n: 4, note: "d1" },
        { label: "d", n: 40, note: "d2" },
        { label: "b", n: 200, note: "b2" },
        { label: "d", n: 400, note: "d3" },
      ],
      conflictOn: ["label"],
      update: ["n"],
    });
    expect(upsert.result).toEqual({ inserted: 1, updated: 4 });
    const { rows } = await raw.query(`SELECT label, n, note FROM "${table}" ORDER BY label`);
    expect(rows).toEqual([
      { label: "a", n: "1", note: "old" },
      { label: "b", n: "200", note: "old" },
      { label: "c", n: "3", note: null },
      { label: "d", n: "400", note: "d1" },
    ]);
    const update = await runNode(db, "Row_BulkCreate", {
      data: [
        { label: "a", n: 5, note: "new" },
        { label: "e", n: 6 },
      ],
      onConflict: "update",
      conflictOn: ["label"],
    });
    expect(update.result).toEqual({ inserted: 1, skipped: 0, updated: 1 });
    expect((await raw.query(`SELECT n, note FROM "${table}" WHERE label = 'a'`)).rows[0]).toEqual({ n: "5", note: "new" });
  });

  it("continues generated ids after explicit ones, as SQLite and MySQL do", async () => {
    const table = `ids_${suffix()}`;
    declareRows(db, table);
    await runNode(db, "Row_Create", { data: { id: 5, label: "five", n: 5 } });
    await runNode(db, "Row_BulkCreate", {
      data: [
        { id: 10, label: "ten", n: 10 },
        { label: "auto1", n: 0 },
      ],
    });
    await runNode(db, "Row_BulkUpsert", { data: [{ id: 20, label: "twenty", n: 20 }], conflictOn: ["id"] });
    const next = await runNode(db, "Row_Create", { data: { label: "auto2", n: 0 } });
    expect(next.result.id).toBe(21);
    const { rows } = await raw.query(`SELECT id::int AS id FROM "${table}" ORDER BY id`);
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(5);
    expect(ids).toContain(21);
  });
});
