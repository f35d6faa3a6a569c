import { describe, expect, it } from "vitest";
import { ValidationError, field } from "../src/index.js";
import type { ListOperation, ModelOperation, OrderTerm } from "../src/plugin-api.js";
import { Model, encodeCursor, normalizeOperation, parseFilter } from "../src/plugin-api.js";
import { caught } from "./fixtures.js";

// Two models with the same field names: nothing cached for one may be served to the other.
const A = new Model("Alpha", { name: field.string(), score: field.int(), tenant: field.int() });
const B = new Model("Beta", { name: field.string({ maxLength: 5 }), score: field.float(), tenant: field.int() }, { softDelete: true });

function list(op: ModelOperation): ListOperation {
  if (op.kind !== "List") throw new Error(`expected a List, got ${op.kind}`);
  return op;
}

const terms = (orderBy: readonly OrderTerm[]) => orderBy.map((t) => `${t.direction === "desc" ? "-" : "+"}${t.field.name}`);

/** The cursor as JSON.stringify writes it: what `encodeCursor` must give byte for byte. */
const expectedCursor = (k: string, v: unknown[]) => Buffer.from(JSON.stringify({ k, v })).toString("base64url");

describe("List orders parsed once per model and spec", () => {
  it("two models with the same field names get their own fields and primary key", () => {
    const a = list(normalizeOperation(A, "List", { orderBy: "-score" }));
    const b = list(normalizeOperation(B, "List", { orderBy: "-score" }));
    expect(a.orderBy[0]!.field).toBe(A.field("score"));
    expect(a.orderBy[1]!.field).toBe(A.primaryKey);
    expect(b.orderBy[0]!.field).toBe(B.field("score"));
    expect(b.orderBy[1]!.field).toBe(B.primaryKey);
    expect(b.orderBy[0]!.field.kind).toBe("float");
    // Again, now from the cache.
    expect(list(normalizeOperation(B, "List", { orderBy: "-score" })).orderBy[0]!.field).toBe(B.field("score"));
    expect(list(normalizeOperation(A, "List", { orderBy: "-score" })).orderBy[0]!.field).toBe(A.field("score"));
  });

  it("a changed orderBy between runs gives the new order every time", () => {
    const specs: Array<[unknown, string[]]> = [
      ["-score", ["-score", "-id"]],
      ["name", ["+name", "+id"]],
      [
        ["-score", "name"],
        ["-score", "+name", "+id"],
      ],
      [
        ["name", "-score"],
        ["+name", "-score", "-id"],
      ],
      [{ tenant: "desc", name: "asc" }, ["-tenant", "+name", "+id"]],
      [undefined, ["+id"]],
      ["-id", ["-id"]],
      ["-score", ["-score", "-id"]],
      [
        ["-score", "name"],
        ["-score", "+name", "+id"],
      ],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [orderBy, expected] of specs) {
        const params = orderBy === undefined ? {} : { orderBy };
        expect(terms(list(normalizeOperation(A, "List", params)).orderBy)).toEqual(expected);
      }
    }
  });

  it("an array spec and a string that reads like it are not confused", () => {
    expect(terms(list(normalizeOperation(A, "List", { orderBy: ["score"] })).orderBy)).toEqual(["+score", "+id"]);
    const error = caught(() => normalizeOperation(A, "List", { orderBy: '["score"]' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe("orderBy");
  });

  it("a spec that failed is not remembered: it fails on every run, with its field", () => {
    for (let i = 0; i < 3; i++) {
      const error = caught(() => normalizeOperation(A, "List", { orderBy: ["score", "-score"] }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/'score' appears twice/);
      expect(caught(() => normalizeOperation(A, "List", { orderBy: "-nope" })).field).toBe("orderBy");
    }
  });

  it("the shared order cannot be changed by whoever receives it", () => {
    const first = list(normalizeOperation(A, "List", { orderBy: "-tenant" })).orderBy;
    expect(() => (first as OrderTerm[]).push({ field: A.field("name")!, direction: "asc" })).toThrow(TypeError);
    expect(() => {
      (first[0] as { direction: string }).direction = "asc";
    }).toThrow(TypeError);
    expect(terms(list(normalizeOperation(A, "List", { orderBy: "-tenant" })).orderBy)).toEqual(["-tenant", "-id"]);
  });

  it("a model seen through inSchema orders by the same fields", () => {
    const view = A.inSchema("other");
    const op = list(normalizeOperation(view, "List", { orderBy: "name" }));
    expect(op.model).toBe(view);
    expect(op.orderBy[0]!.field).toBe(A.field("name"));
  });
});

describe("cursors of cached orders", () => {
  it("are byte for byte JSON.stringify({ k, v }) for each head length, ASCII and not, and List decodes them", () => {
    const Row = new Model("CursorRow", {
      n: field.string(),
      nam: field.string(),
      name: field.string(),
      at: field.datetime(),
      big: field.bigint(),
      on: field.boolean(),
    });
    const at = new Date(Date.UTC(2026, 11, 7, 3, 4, 5, 678));
    // Field names of three lengths: the order's head text ends on each place of a 3-byte group.
    const cases: Array<[string, Record<string, unknown>]> = [
      ["-n", { n: "a", id: 1 }],
      ["nam", { nam: "ab", id: 22 }],
      ["-name", { name: "abc", id: 333 }],
      ["name", { name: 'quote " back \\ é 日本 \u2028', id: 4444 }],
      ["-n", { n: "\u{1F600}x", id: 5 }],
      ["at", { at, id: 6 }],
      ["-big", { big: -9007199254740993n, id: 7 }],
      ["on", { on: false, id: 8 }],
      ["name", { name: null, id: 9 }],
      ["-nam", { id: 10 }],
    ];
    for (const [orderBy, row] of cases) {
      const op = list(normalizeOperation(Row, "List", { orderBy }));
      const name = orderBy.replace("-", "");
      const desc = orderBy.startsWith("-");
      const value = row[name];
      const v = [value instanceof Date ? { d: value.toISOString() } : typeof value === "bigint" ? { b: value.toString() } : (value ?? null), row.id];
      const cursor = encodeCursor(row, op.orderBy);
      expect(cursor).toBe(expectedCursor(desc ? `-${name},-id` : `${name},id`, v));
      const next = list(normalizeOperation(Row, "List", { orderBy, after: cursor }));
      expect(next.after![1]).toBe(row.id);
    }
  });

  it("a cursor of one order is refused by another order of the same model", () => {
    const op = list(normalizeOperation(A, "List", { orderBy: "-score" }));
    const cursor = encodeCursor({ score: 3, id: 4 }, op.orderBy);
    expect(caught(() => normalizeOperation(A, "List", { orderBy: "score", after: cursor })).message).toMatch(/different orderBy/);
    expect(list(normalizeOperation(A, "List", { orderBy: "-score", after: cursor })).after).toEqual([3, 4]);
  });
});

describe("flat equality filters", () => {
  it("give the parser's AST, per model", () => {
    expect(parseFilter(A, { tenant: 3 }).ast).toEqual({ t: "cmp", field: A.field("tenant"), op: "=", value: 3 });
    expect(parseFilter(B, { tenant: 3 }).ast).toEqual({ t: "cmp", field: B.field("tenant"), op: "=", value: 3 });
    expect(parseFilter(A, { tenant: 3, name: "x" }).ast).toEqual({
      t: "and",
      items: [
        { t: "cmp", field: A.field("tenant"), op: "=", value: 3 },
        { t: "cmp", field: A.field("name"), op: "=", value: "x" },
      ],
    });
    // A filter value has no length limit (the column's maxLength is for stored values).
    expect(parseFilter(B, { name: "longer than five" }).ast).toMatchObject({ t: "cmp", value: "longer than five" });
  });

  it("keep the parser's errors and their fields", () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ tenant: "x" }, "filter.tenant", /must be a safe integer/],
      [{ tenant: 1.5 }, "filter.tenant", /must be a safe integer/],
      [{ name: "a\u0000b" }, "filter.name", /NUL/],
      [{ nmae: "x" }, "filter.nmae", /Unknown field 'nmae'/],
      [{ score: 1, $nope: 2 }, "filter.$nope", /Unknown logical operator/],
    ];
    for (const [filter, fieldName, message] of cases) {
      const error = caught(() => normalizeOperation(A, "Count", { filter }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.field).toBe(fieldName);
      expect(error.message).toMatch(message);
    }
  });

  it("read own keys only: an inherited key on Object.prototype adds no condition", () => {
    const proto = Object.prototype as Record<string, unknown>;
    Object.defineProperty(proto, "tenant", { value: 9, configurable: true, writable: true, enumerable: true });
    try {
      const op = normalizeOperation(A, "Count", { filter: { name: "x" } });
      expect(op.kind === "Count" && op.where).toEqual({ t: "cmp", field: A.field("name"), op: "=", value: "x" });
    } finally {
      delete proto.tenant;
    }
  });

  it("join the soft-delete condition of their own model only", () => {
    const a = normalizeOperation(A, "Count", { filter: { tenant: 1 } });
    const b = normalizeOperation(B, "Count", { filter: { tenant: 1 } });
    expect(a.kind === "Count" && a.where).toEqual({ t: "cmp", field: A.field("tenant"), op: "=", value: 1 });
    expect(b.kind === "Count" && b.where).toEqual({
      t: "and",
      items: [
        { t: "cmp", field: B.field("tenant"), op: "=", value: 1 },
        { t: "null", field: B.field("deleted_at"), isNull: true },
      ],
    });
  });
});
