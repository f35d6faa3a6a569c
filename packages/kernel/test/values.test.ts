import { describe, expect, it } from "vitest";
import type { ModelField } from "../src/plugin-api.js";
import { ValidationError, field } from "../src/index.js";
import { MAX_DATETIME, MIN_DATETIME, Model, canonicalDecimal, validateValue } from "../src/plugin-api.js";

const M = new Model("Value", {
  s: field.string({ maxLength: 3 }),
  i: field.int(),
  b: field.bigint(),
  f: field.float(),
  d: field.decimal({ precision: 6, scale: 2 }),
  ok: field.boolean(),
  at: field.datetime(),
  day: field.date(),
  j: field.json(),
  u: field.uuid(),
  e: field.enum(["a", "b"]),
  v: field.vector(3),
  o: field.string().optional(),
});
const f = (name: string) => M.field(name) as ModelField;
const valid = (name: string, value: unknown) => validateValue(f(name), value, `data.${name}`);
const invalid = (name: string, value: unknown) => expect(() => valid(name, value), `${name} = ${String(value)}`).toThrow(ValidationError);

describe("validateValue", () => {
  it("accepts each type's values and returns the canonical form", () => {
    expect(valid("s", "😀😀😀")).toBe("😀😀😀");
    expect(valid("i", -42)).toBe(-42);
    expect(valid("b", "9223372036854775807")).toBe(9223372036854775807n);
    expect(valid("b", 5)).toBe(5n);
    expect(valid("d", "0012.50")).toBe("12.5");
    expect(valid("ok", false)).toBe(false);
    expect(valid("at", "2024-01-01T05:00:00+05:00")).toEqual(new Date("2024-01-01T00:00:00Z"));
    expect(valid("at", "2024-01-01 00:00:00")).toEqual(new Date("2024-01-01T00:00:00Z"));
    expect(valid("day", "2024-02-29")).toBe("2024-02-29");
    expect(valid("j", { a: [1, null, "x"] })).toEqual({ a: [1, null, "x"] });
    expect(valid("u", "0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(valid("e", "b")).toBe("b");
    expect(valid("v", [1, 2.5, -3])).toEqual([1, 2.5, -3]);
    expect(valid("o", null)).toBeNull();
  });

  it("rejects wrong types and out-of-range values", () => {
    invalid("s", 12);
    invalid("s", "abcd");
    invalid("s", "a\u0000");
    invalid("s", "\uD800");
    invalid("i", "1");
    invalid("i", 1.5);
    invalid("i", 2 ** 53);
    invalid("i", Number.NaN);
    invalid("b", 2n ** 63n);
    invalid("b", "12abc");
    invalid("f", Number.POSITIVE_INFINITY);
    invalid("d", "1.234");
    invalid("d", "12345");
    invalid("d", "1e3");
    invalid("ok", 1);
    invalid("at", "yesterday");
    invalid("at", new Date(Number.NaN));
    invalid("day", "2023-02-29");
    invalid("j", { n: 1n });
    invalid("j", { at: new Date() });
    invalid("j", { s: "\u0000" });
    invalid("u", "xyz");
    invalid("e", "c");
    invalid("v", [1, 2]);
    invalid("v", [1, 2, Number.NaN]);
    invalid("i", null);
    invalid("o", undefined);
  });

  it("canonicalDecimal never changes the value", () => {
    expect(canonicalDecimal("-0.000")).toBe("0");
    expect(canonicalDecimal("+1.10")).toBe("1.1");
    expect(canonicalDecimal("000")).toBe("0");
    expect(canonicalDecimal(" 1")).toBeUndefined();
    expect(canonicalDecimal(".")).toBeUndefined();
  });
});

describe("datetimes and dates are parsed strictly, within years 0001-9999 UTC", () => {
  const fieldOf = (error: unknown) => (error as ValidationError).field;
  const rejects = (name: string, value: unknown) => {
    let caught: unknown;
    try {
      valid(name, value);
    } catch (error) {
      caught = error;
    }
    expect(caught, `${name} = ${String(value)}`).toBeInstanceOf(ValidationError);
    expect(fieldOf(caught)).toBe(`data.${name}`);
  };

  it("refuses impossible calendar dates, times and offsets instead of rolling them over", () => {
    for (const text of [
      "2024-02-30T00:00:00Z",
      "2023-02-29T00:00:00Z",
      "2024-04-31",
      "2024-13-01T00:00:00Z",
      "2024-00-10T00:00:00Z",
      "2024-01-00T00:00:00Z",
      "2024-01-01T24:00:00Z",
      "2024-01-01T23:60:00Z",
      "2024-01-01T23:59:60Z",
      "2024-01-01T00:00:00+24:00",
      "2024-01-01T00:00:00+05:60",
      "1900-02-29T00:00:00Z",
      "0000-01-01T00:00:00Z",
    ])
      rejects("at", text);
    for (const text of ["2024-02-30", "2023-02-29", "2024-06-31", "2024-13-01", "2024-00-01", "2024-01-32", "1900-02-29", "0000-01-01"]) {
      rejects("day", text);
    }
  });

  it("keeps valid edge values exact", () => {
    expect(valid("at", "2000-02-29T23:59:59.999Z")).toEqual(new Date("2000-02-29T23:59:59.999Z"));
    expect(valid("at", "2024-01-01T00:00:00.123456789Z")).toEqual(new Date("2024-01-01T00:00:00.123Z"));
    expect(valid("at", "2024-01-01T00:00:00-23:59")).toEqual(new Date("2024-01-01T23:59:00Z"));
    expect(valid("at", "0001-01-01T00:00:00Z")).toEqual(MIN_DATETIME);
    expect((valid("at", "0099-12-31") as Date).toISOString()).toBe("0099-12-31T00:00:00.000Z");
    expect(valid("at", "9999-12-31T23:59:59.999Z")).toEqual(MAX_DATETIME);
    expect(valid("at", "9999-12-31 23:59:59.999")).toEqual(MAX_DATETIME);
    expect(valid("day", "0001-01-01")).toBe("0001-01-01");
    expect(valid("day", "9999-12-31")).toBe("9999-12-31");
    expect(valid("day", new Date("2024-02-29T12:00:00Z"))).toBe("2024-02-29");
  });

  it("refuses instants outside the supported range, as strings (also through an offset) and as Dates", () => {
    rejects("at", "0001-01-01T00:00:00+00:01");
    rejects("at", "9999-12-31T23:59:59-00:01");
    rejects("at", new Date(MIN_DATETIME.getTime() - 1));
    rejects("at", new Date(MAX_DATETIME.getTime() + 1));
    rejects("at", new Date(Date.UTC(-1, 0, 1)));
    rejects("at", new Date(8.64e15));
    rejects("day", new Date(Date.UTC(10000, 0, 1)));
    rejects("at", "+010000-01-01T00:00:00Z");
  });
});

describe("text is portable in every position", () => {
  it("rejects NUL and lone surrogates in JSON keys and strings at any depth, naming the position", () => {
    for (const [value, at] of [
      [{ "\uD800": 1 }, "data.j"],
      [{ a: { "k\u0000": 1 } }, "data.j.a"],
      [{ a: ["x", "\uDC00"] }, "data.j.a[1]"],
      [["\uD83D"], "data.j[0]"],
      [{ deep: [{ x: "ok\u0000" }] }, "data.j.deep[0].x"],
    ] as const) {
      let caught: unknown;
      try {
        valid("j", value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).field).toBe(at);
    }
    expect(valid("j", { "😀": ["😀"] })).toEqual({ "😀": ["😀"] });
  });
});
