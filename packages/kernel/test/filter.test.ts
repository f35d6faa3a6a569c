import { describe, expect, it } from "vitest";
import { ValidationError, field } from "../src/index.js";
import { Model } from "../src/plugin-api.js";
import { filterShape, parseFilter, parseOrderBy } from "../src/plugin-api.js";

const User = new Model("User", {
  id: field.string(),
  name: field.string(),
  age: field.int().optional(),
  tags: field.json<string[]>().optional(),
  active: field.boolean(),
});

describe("parseFilter", () => {
  it("builds an AST with validated values", () => {
    const { ast } = parseFilter(User, { name: "Ann", age: { $gte: 18, $lt: 65 } });
    expect(ast).toMatchObject({
      t: "and",
      items: [
        { t: "cmp", op: "=", value: "Ann", field: { name: "name" } },
        {
          t: "and",
          items: [
            { t: "cmp", op: ">=", value: 18 },
            { t: "cmp", op: "<", value: 65 },
          ],
        },
      ],
    });
  });

  it("maps null, $eq null, $ne null, $null and $exists to NULL tests", () => {
    for (const [filter, isNull] of [
      [{ age: null }, true],
      [{ age: { $eq: null } }, true],
      [{ age: { $ne: null } }, false],
      [{ age: { $null: true } }, true],
      [{ age: { $null: false } }, false],
      [{ age: { $exists: false } }, true],
      [{ age: { $exists: true } }, false],
    ] as const) {
      expect(parseFilter(User, filter).ast).toMatchObject({ t: "null", isNull });
    }
  });

  it("turns $in: [] into false and $nin: [] into true", () => {
    expect(parseFilter(User, { age: { $in: [] } }).ast).toEqual({ t: "const", value: false });
    expect(parseFilter(User, { age: { $nin: [] } }).ast).toEqual({ t: "const", value: true });
    expect(parseFilter(User, {}).ast).toEqual({ t: "const", value: true });
  });

  it("nests $and/$or/$not", () => {
    const { ast } = parseFilter(User, { $or: [{ name: "a" }, { $and: [{ active: true }, { $not: { age: { $gt: 3 } } }] }] });
    expect(ast).toMatchObject({ t: "or", items: [{ t: "cmp" }, { t: "and", items: [{ t: "cmp" }, { t: "not", item: { t: "cmp", op: ">" } }] }] });
  });

  it("rejects unknown fields with a suggestion", () => {
    expect(() => parseFilter(User, { nmae: "x" })).toThrow(/Unknown field 'nmae'.*Did you mean 'name'/);
  });

  it("rejects unknown operators with a suggestion", () => {
    expect(() => parseFilter(User, { age: { $gtt: 1 } })).toThrow(/Unknown operator '\$gtt'.*'\$gt'/);
    expect(() => parseFilter(User, { $where: "1" })).toThrow(ValidationError);
    expect(() => parseFilter(User, { age: { gt: 1 } })).toThrow(/Operators start with/);
  });

  it("rejects undefined anywhere", () => {
    expect(() => parseFilter(User, { name: undefined })).toThrow(/undefined never means/);
    expect(() => parseFilter(User, { age: { $gt: undefined } })).toThrow(ValidationError);
    expect(() => parseFilter(User, { $or: [{ name: undefined }] })).toThrow(ValidationError);
  });

  it("rejects wrong value types, objects and arrays where a value belongs", () => {
    expect(() => parseFilter(User, { age: "18" })).toThrow(/filter\.age/);
    expect(() => parseFilter(User, { age: Number.NaN })).toThrow(ValidationError);
    expect(() => parseFilter(User, { name: ["a"] })).toThrow(/\$in/);
    expect(() => parseFilter(User, { tags: "x" })).toThrow(/\$contains/);
    expect(() => parseFilter(User, { age: { $in: [1, null] } })).toThrow(/NULL never equals/);
    expect(() => parseFilter(User, { age: { $like: "1%" } })).toThrow(/text fields/);
  });

  it("rejects prototype keys and non-plain objects", () => {
    expect(() => parseFilter(User, JSON.parse('{"__proto__": {"x": 1}}'))).toThrow(ValidationError);
    expect(() => parseFilter(User, new (class Foo {})())).toThrow(/plain object/);
    expect(() => parseFilter(User, "name = 'x'")).toThrow(ValidationError);
  });

  it("bounds depth and size", () => {
    let deep: Record<string, unknown> = { name: "x" };
    for (let i = 0; i < 40; i++) deep = { $not: deep };
    expect(() => parseFilter(User, deep)).toThrow(/nested more than/);
    const wide = { $or: Array.from({ length: 10_001 }, () => ({ name: "x" })) };
    expect(() => parseFilter(User, wide)).toThrow(/more than 10000 conditions/);
  });

  it("gives equal shapes exactly to filters that compile to the same SQL", () => {
    const shape = (f: unknown) => filterShape(parseFilter(User, f).ast);
    expect(shape({ name: "a", age: { $gt: 1 } })).toBe(shape({ name: "b", age: { $gt: 99 } }));
    expect(shape({ age: null })).not.toBe(shape({ age: 1 }));
    expect(shape({ age: { $in: [1, 2] } })).not.toBe(shape({ age: { $in: [1, 2, 3] } }));
    expect(shape({ name: { $like: "a" } })).not.toBe(shape({ name: { $ilike: "a" } }));
  });
});

describe("parseOrderBy", () => {
  it("accepts every documented form", () => {
    const names = (o: unknown) => parseOrderBy(User, o).map((t) => `${t.direction === "desc" ? "-" : ""}${t.field.name}`);
    expect(names("name")).toEqual(["name"]);
    expect(names("-created_at")).toEqual(["-created_at"]);
    expect(names(["-age", "name"])).toEqual(["-age", "name"]);
    expect(names({ age: "desc", name: "asc" })).toEqual(["-age", "name"]);
  });

  it("rejects unknown fields, bad directions and JSON fields", () => {
    expect(() => parseOrderBy(User, "-nmae")).toThrow(/Did you mean 'name'/);
    expect(() => parseOrderBy(User, { age: "down" })).toThrow(/"asc" or "desc"/);
    expect(() => parseOrderBy(User, "tags")).toThrow(/cannot order by json/);
    expect(() => parseOrderBy(User, "name; DROP TABLE users")).toThrow(ValidationError);
  });
});

describe("NUL and lone surrogates in filter operands", () => {
  it("are a ValidationError naming the operand, for values, ids, patterns and JSON elements", () => {
    for (const [filter, at] of [
      [{ id: "a\uD800" }, "filter.id"],
      [{ name: { $in: ["ok", "\uDFFF"] } }, "filter.name.$in[1]"],
      [{ name: { $like: "%\uD800%" } }, "filter.name.$like"],
      [{ name: { $ilike: "\u0000" } }, "filter.name.$ilike"],
      [{ name: { $regex: "^\uDC00" } }, "filter.name.$regex"],
      [{ name: { $contains: "x\uD800" } }, "filter.name.$contains"],
      [{ tags: { $contains: "\uD800" } }, "filter.tags.$contains"],
      [{ tags: { $contains: "a\u0000" } }, "filter.tags.$contains"],
    ] as const) {
      let caught: unknown;
      try {
        parseFilter(User, filter);
      } catch (error) {
        caught = error;
      }
      expect(caught, JSON.stringify(filter)).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).field).toBe(at);
    }
  });
});
