import { describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import type { ListOperation } from "@dataflow/kernel/plugin";
import { Model, parseFilter, parseOrderBy } from "@dataflow/kernel/plugin";
import type { Dialect } from "../src/index.js";
import { Params, compileFilter, keysetFilter, statements } from "../src/index.js";
import { SHAPES_PER_MODEL, ShapeCache, filterShape, keysetShape, shapesOf } from "../src/shape.js";
import { testDialect } from "./test-dialect.js";

/** A PostgreSQL-flavoured dialect with `$n` placeholders and one bind per IN value. */
const plain = testDialect({
  encode: (f, v) => (f.kind === "json" ? JSON.stringify(v) : f.kind === "boolean" ? (v ? 1 : 0) : v),
});

/** Binds a whole IN list as one array parameter, wraps int binds in a CAST, sorts decimals by a key, refuses some regexes. */
const arrays: Dialect = {
  ...plain,
  name: "arrays",
  inList: (column, _f, values, negate, add) => (negate ? `${column} <> ALL(${add(values)})` : `${column} = ANY(${add(values)})`),
  parameter: (f, p) => (f.kind === "int" ? `CAST(${p} AS SIGNED)` : p),
  orderKey: (f, e) => (f.kind === "decimal" ? `dkey(${e})` : e),
  regexError: (pattern) => (pattern.includes("(?<") ? "no lookbehind" : undefined),
};

/** An IN-list dialect whose text depends on the number of values (one JSON parameter, size written into the SQL). */
const sized: Dialect = {
  ...plain,
  name: "sized",
  placeholder: () => "?",
  inList: (column, _f, values, negate, add) =>
    `${column} ${negate ? "NOT IN" : "IN"} (SELECT value FROM json_each(${add(JSON.stringify(values))}) LIMIT ${values.length})`,
};

const User = new Model("User", {
  id: field.string(),
  name: field.string(),
  age: field.int().optional(),
  amount: field.decimal({ precision: 10, scale: 2 }).optional(),
  tags: field.json<string[]>().optional(),
  active: field.boolean().default(true),
});

const filters: unknown[] = [
  {},
  { name: "a" },
  { name: "b" },
  { age: null },
  { age: { $ne: null } },
  { age: 3 },
  { age: { $ne: 3 } },
  { age: { $gt: 3 } },
  { age: { $gte: 3 } },
  { age: { $in: [1] } },
  { age: { $in: [1, 2] } },
  { age: { $in: [3, 4] } },
  { age: { $nin: [1, 2] } },
  { age: { $in: [] } },
  { name: "a", age: 3 },
  { age: 3, name: "a" },
  { $or: [{ name: "a" }, { age: 3 }] },
  { $or: [{ name: "a" }, { age: null }] },
  { $or: [{ name: "a", age: 3 }] },
  { $or: [{ name: "a" }], age: 3 },
  { $not: { name: "a" } },
  { name: { $like: "a%" } },
  { name: { $ilike: "a%" } },
  { name: { $regex: "^a" } },
  { name: { $contains: "50%" } },
  { tags: { $contains: "x" } },
  { amount: { $gt: "1.50" } },
  { amount: { $in: ["1.00", "2.00"] } },
  { active: true },
  { active: false },
  { id: "u1", $or: [{ age: { $lt: 5 } }, { amount: null }] },
];

function compiled(d: Dialect, filter: unknown) {
  const ast = parseFilter(User, filter).ast;
  const params = new Params(d);
  const text = compileFilter(ast, d, params);
  const values: unknown[] = [];
  const key = filterShape(ast, d, values);
  return { text, params: params.values, key, values };
}

describe("statement shapes", () => {
  for (const d of [plain, arrays, sized]) {
    it(`collects the same bind values, in the same order, as the compiler (${d.name})`, () => {
      for (const f of filters) {
        const { params, values } = compiled(d, f);
        expect(values, JSON.stringify(f)).toEqual(params);
      }
    });

    it(`gives one key to filters of one SQL text and different keys to different texts (${d.name})`, () => {
      const all = filters.map((f) => ({ f, ...compiled(d, f) }));
      for (const a of all)
        for (const b of all) {
          if (a.key === b.key) expect(a.text, `${JSON.stringify(a.f)} vs ${JSON.stringify(b.f)}`).toBe(b.text);
          if (a.text !== b.text) expect(a.key).not.toBe(b.key);
        }
    });
  }

  it("keeps apart what compiles differently: NULL vs a value, IN list sizes, operators, field names", () => {
    const key = (f: unknown, d: Dialect = plain) => compiled(d, f).key;
    expect(key({ age: null })).not.toBe(key({ age: 3 }));
    expect(key({ age: { $ne: null } })).not.toBe(key({ age: { $ne: 3 } }));
    expect(key({ age: { $in: [1] } })).not.toBe(key({ age: { $in: [1, 2] } }));
    expect(key({ age: { $in: [1, 2] } }, sized)).not.toBe(key({ age: { $in: [1, 2, 3] } }, sized));
    expect(key({ age: { $in: [1, 2] } })).not.toBe(key({ age: { $nin: [1, 2] } }));
    expect(key({ age: { $gt: 1 } })).not.toBe(key({ age: { $gte: 1 } }));
    expect(key({ name: { $like: "a" } })).not.toBe(key({ name: { $ilike: "a" } }));
    expect(key({ name: "a" })).toBe(key({ name: "b" }));
    expect(key({ age: { $in: [1, 2] } }, arrays)).toBe(key({ age: { $in: [5, 6] } }, arrays));
  });

  it("runs the dialect's regex check on every run, cached or not", () => {
    const ast = parseFilter(User, { name: { $regex: "(?<=a)b" } }).ast;
    expect(() => filterShape(ast, arrays, [])).toThrow(/is not a regular expression arrays can run: no lookbehind/);
  });

  it("collects keyset cursor values as the compiler binds them and marks NULL cursor values", () => {
    const order = parseOrderBy(User, ["-age", "name"]);
    for (const after of [
      [30, "bo"],
      [null, "bo"],
    ]) {
      const params = new Params(plain);
      keysetFilter(order, after, plain, params);
      const values: unknown[] = [];
      keysetShape(order, after, plain, values);
      expect(values).toEqual(params.values);
    }
    expect(keysetShape(order, [30, "bo"], plain, [])).not.toBe(keysetShape(order, [null, "bo"], plain, []));
  });
});

describe("statements compiled once per shape", () => {
  const list = (filter: unknown, extra: Partial<ListOperation> = {}): ListOperation =>
    ({
      kind: "List",
      model: User,
      where: parseFilter(User, filter).ast,
      orderBy: parseOrderBy(User, ["-age", "id"]),
      limit: 10,
      offset: undefined,
      after: undefined,
      select: undefined,
      ...extra,
    }) as ListOperation;

  it("reuses a List's text object and binds each run's values", () => {
    const first = statements.listRows(plain, list({ name: "a" }));
    const second = statements.listRows(plain, list({ name: "b" }, { limit: 20 }));
    expect(second.text).toBe(first.text);
    expect(second.params).toEqual(["b", 20]);
    expect(second.decode).toBe(first.decode);
  });

  it("compiles a new text where the shape differs: limit, offset, cursor, select, order", () => {
    const base = statements.listRows(plain, list({ name: "a" })).text;
    expect(statements.listRows(plain, list({ name: "a" }, { limit: undefined })).text).not.toBe(base);
    expect(statements.listRows(plain, list({ name: "a" }, { offset: 5 })).params).toEqual(["a", 10, 5]);
    const after = statements.listRows(plain, list({ name: "a" }, { after: [null, "x"] }));
    expect(after.text).toContain("IS NOT NULL");
    expect(after.params).toEqual(["a", "x", 10]);
    const afterValue = statements.listRows(plain, list({ name: "a" }, { after: [4, "x"] }));
    expect(afterValue.params).toEqual(["a", 4, 4, "x", 10]);
    const selected = statements.listRows(plain, list({ name: "a" }, { select: [User.field("name")!] }));
    expect(selected.text).toBe(
      `SELECT "id", "name", "age" FROM "users" WHERE "name" = $1 ORDER BY (CASE WHEN "age" IS NULL THEN 1 ELSE 0 END) DESC, "age" DESC, "id" ASC LIMIT $2`,
    );
    expect(selected.extra).toEqual(["age", "id"]);
    const reordered = statements.listRows(plain, list({ name: "a" }, { orderBy: parseOrderBy(User, ["age", "id"]) }));
    expect(reordered.text).toContain(`"age" ASC`);
  });

  it("binds NULL assignments without the dialect's parameter wrapper, and values with it, in separate shapes", () => {
    const where = parseFilter(User, { id: "u1" }).ast;
    const withValue = statements.updateRows(arrays, User, where, { age: 3 }, true);
    const withNull = statements.updateRows(arrays, User, where, { age: null }, true);
    expect(withValue.text).toContain(`"age" = CAST($1 AS SIGNED)`);
    expect(withNull.text).toContain(`"age" = $1 WHERE`);
    expect(statements.updateRows(arrays, User, where, { age: 4 }, true).params).toEqual([4, "u1"]);
    expect(statements.updateRows(arrays, User, where, { age: null }, true).text).toBe(withNull.text);
    expect(statements.updateRows(arrays, User, where, { age: 3 }, false).text).not.toContain("RETURNING");
  });

  it("keeps a model placed in another schema (tenancy's schema strategy) and another dialect apart", () => {
    const where = parseFilter(User, { name: "a" }).ast;
    const shared = statements.countRows(plain, User, where);
    const tenant = statements.countRows(plain, User.inSchema("tenant_a"), where);
    expect(tenant.text).toBe(`SELECT COUNT(*) AS n FROM "tenant_a"."users" WHERE "name" = $1`);
    expect(shared.text).toBe(`SELECT COUNT(*) AS n FROM "users" WHERE "name" = $1`);
    expect(statements.countRows(sized, User, where).text).toBe(`SELECT COUNT(*) AS n FROM "users" WHERE "name" = ?`);
  });

  it("caches a partial insert by its column list", () => {
    const a = statements.insertRow(plain, User, { id: "a", name: "A" });
    const b = statements.insertRow(plain, User, { id: "b", name: "B" });
    const c = statements.insertRow(plain, User, { id: "c", name: "C", age: 1 });
    expect(b.text).toBe(a.text);
    expect(b.params).toEqual(["b", "B"]);
    expect(c.text).toContain(`("id", "name", "age")`);
  });
});

describe("the shape cache", () => {
  it("holds at most its limit and drops the least recently used shape", () => {
    const cache = new ShapeCache<number>(3);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect(cache.get("a")).toBe(1);
    cache.set("d", 4);
    expect(cache.size).toBe(3);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    expect(cache.get("c")).toBe(3);
    expect(cache.get("d")).toBe(4);
    cache.set("d", 5);
    expect(cache.size).toBe(3);
    expect(cache.get("d")).toBe(5);
  });

  it("does not keep statements longer than the text limit (long IN lists with a placeholder per value)", () => {
    const Long = new Model("Long", { id: field.string(), n: field.int() });
    const values = Array.from({ length: 5000 }, (_, i) => i);
    const statement = statements.countRows(plain, Long, parseFilter(Long, { n: { $in: values } }).ast);
    expect(statement.text.length).toBeGreaterThan(statements.MAX_CACHED_TEXT);
    expect(statement.params).toEqual(values);
    expect(shapesOf(plain, Long).size).toBe(0);
    statements.countRows(plain, Long, parseFilter(Long, { n: { $in: [1, 2] } }).ast);
    expect(shapesOf(plain, Long).size).toBe(1);
  });

  it("keeps a statement module's cache bounded under many shapes", () => {
    const Wide = new Model("Wide", { id: field.string(), n: field.int() });
    for (let size = 1; size <= 300; size++) {
      const values = Array.from({ length: size }, (_, i) => i);
      const statement = statements.countRows(plain, Wide, parseFilter(Wide, { n: { $in: values } }).ast);
      expect(statement.params).toEqual(values);
    }
    expect(shapesOf(plain, Wide).size).toBe(SHAPES_PER_MODEL);
  });
});
