import { describe, expect, it } from "vitest";
import type { ModelField } from "../src/plugin-api.js";
import { ValidationError, field } from "../src/index.js";
import { Model } from "../src/plugin-api.js";
import { canonicalDecimal, validateValue } from "../src/plugin-api.js";

const M = new Model("Value", {
  s: field.string({ maxLength: 3 }), i: field.int(), b: field.bigint(), f: field.float(), d: field.decimal({ precision: 6, scale: 2 }),
  ok: field.boolean(), at: field.datetime(), day: field.date(), j: field.json(), u: field.uuid(), e: field.enum(["a", "b"]),
  v: field.vector(3), o: field.string().optional(),
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
