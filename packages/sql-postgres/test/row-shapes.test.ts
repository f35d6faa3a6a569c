import { DataFlow } from "@dataflow/kernel";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { RowShapes } from "../src/row-shapes.js";
import { rawQuery } from "./support.js";

const field = (name: string, dataTypeID: number, format = "text") => ({ name, dataTypeID, format });
const TYPES = { _types: pg.types as unknown as { getTypeParser(oid: number, format: string): (text: string) => unknown } };

describe("row shapes (pure)", () => {
  it("reuses a statement's shape while the description matches, and makes a new one when it changes", () => {
    const shapes = new RowShapes();
    const first = shapes.shapeOf("q", [field("id", 23), field("name", 25)], { ...TYPES, fields: [], rows: [] });
    expect(shapes.shapeOf("q", [field("id", 23), field("name", 25)], { ...TYPES, fields: [], rows: [] })).toBe(first);
    const renamed = shapes.shapeOf("q", [field("id", 23), field("title", 25)], { ...TYPES, fields: [], rows: [] });
    expect(renamed).not.toBe(first);
    expect(Object.keys(renamed!.template)).toEqual(["id", "title"]);
    const retyped = shapes.shapeOf("q", [field("id", 20), field("title", 25)], { ...TYPES, fields: [], rows: [] });
    expect(retyped).not.toBe(renamed);
    expect(retyped!.parsers[0]).toBe(pg.types.getTypeParser(20, "text"));
  });

  it("leaves binary columns to pg's own rows", () => {
    expect(new RowShapes().shapeOf("q", [field("id", 23, "binary")], { ...TYPES, fields: [], rows: [] })).toBeUndefined();
  });

  it("does not keep the shape of a text longer than its bound", () => {
    const shapes = new RowShapes(10, 8);
    const long = shapes.shapeOf("123456789", [field("x", 23)], { ...TYPES, fields: [], rows: [] });
    expect(long).toBeDefined();
    expect(shapes.shapeOf("123456789", [field("x", 23)], { ...TYPES, fields: [], rows: [] })).not.toBe(long);
  });

  it("starts over past its bound", () => {
    const shapes = new RowShapes(2);
    const a = shapes.shapeOf("a", [field("x", 23)], { ...TYPES, fields: [], rows: [] });
    shapes.shapeOf("b", [field("x", 23)], { ...TYPES, fields: [], rows: [] });
    shapes.shapeOf("c", [field("x", 23)], { ...TYPES, fields: [], rows: [] });
    expect(shapes.shapeOf("a", [field("x", 23)], { ...TYPES, fields: [], rows: [] })).not.toBe(a);
  });
});

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";

describe.skipIf(!res.ok)(`rows of parameterized statements${res.ok ? "" : ` [${res.reason}]`}`, () => {
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });

  it("are the rows pg makes: column order, duplicate names, NULL, a column named __proto__, and every run of a named statement alike", async () => {
    const db = new DataFlow({ url, plugins: [postgres] });
    try {
      const run = (n: number) =>
        db.sql`SELECT ${n}::int AS a, NULL::text AS b, 'x' AS "__proto__", 1 AS dup, ${n + 1}::int AS dup, 'constructor' AS "constructor"`;
      // The first run is unnamed, later ones run the named prepared statement.
      const rows = [await run(1), await run(2), await run(3)];
      const expected = await rawQuery(
        url,
        `SELECT $1::int AS a, NULL::text AS b, 'x' AS "__proto__", 1 AS dup, $2::int AS dup, 'constructor' AS "constructor"`,
        [3, 4],
      );
      const last = rows[2]![0]!;
      expect(Object.keys(last)).toEqual(Object.keys(expected.rows[0]));
      expect(last).toEqual(expected.rows[0]);
      expect(Object.getPrototypeOf(last)).toBe(Object.prototype);
      expect(Object.hasOwn(last, "__proto__")).toBe(true);
      expect(last).toMatchObject({ a: 3, b: null, dup: 4 });
      expect(rows.map((r) => r[0]!.a)).toEqual([1, 2, 3]);
      expect(Object.getPrototypeOf(rows[1]![0])).toBe(Object.prototype);
    } finally {
      await db.close();
    }
  });

  it("follow a changed result of the same text (a column retyped between runs)", async () => {
    const db = new DataFlow({ url, plugins: [postgres] });
    try {
      await db.sql`CREATE TABLE row_shape_probe (id int PRIMARY KEY, label text)`;
      await db.sql`INSERT INTO row_shape_probe VALUES (${1}, ${"one"})`;
      const read = () => db.sql`SELECT id, label FROM row_shape_probe WHERE id = ${1}`;
      // The first run is unnamed and leaves its shape; the second prepares the text afresh, after the change.
      expect(await read()).toEqual([{ id: 1, label: "one" }]);
      await db.sql`ALTER TABLE row_shape_probe ALTER COLUMN label TYPE int USING length(label)`;
      expect(await read()).toEqual([{ id: 1, label: 3 }]);
      expect(await read()).toEqual([{ id: 1, label: 3 }]);
    } finally {
      await db.sql`DROP TABLE IF EXISTS row_shape_probe`.catch(() => {});
      await db.close();
    }
  });
});
