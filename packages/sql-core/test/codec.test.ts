import { describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import type { FieldKind, ListOperation, ModelField } from "@dataflow/kernel/plugin";
import { Model, canonicalDecimal, parseFilter, parseOrderBy } from "@dataflow/kernel/plugin";
import { decodeDecimal, rowDecoder, statements } from "../src/index.js";
import { testDialect } from "./test-dialect.js";

/** Driver values as a text-protocol driver would hand them over, and the contract's value for each kind. */
const samples: Record<FieldKind, { driver: unknown; value: unknown }> = {
  string: { driver: "text", value: "text" },
  text: { driver: "long text", value: "long text" },
  int: { driver: "42", value: 42 },
  bigint: { driver: "9223372036854775807", value: 9223372036854775807n },
  float: { driver: "1.5", value: 1.5 },
  decimal: { driver: "0010.500", value: "10.5" },
  boolean: { driver: 1, value: true },
  datetime: { driver: "2024-03-10 02:30:00.123", value: new Date("2024-03-10T02:30:00.123Z") },
  date: { driver: "2024-03-10", value: "2024-03-10" },
  json: { driver: '{"a":[1,2]}', value: { a: [1, 2] } },
  uuid: { driver: "0F8FAD5B-D9CB-469F-A165-70867728950E", value: "0f8fad5b-d9cb-469f-a165-70867728950e" },
  enum: { driver: "red", value: "red" },
  vector: { driver: "[1,2,3]", value: [1, 2, 3] },
};

/** Decodes like a text-protocol driver needs; string, text, date and enum arrive as they are (no step). */
const steps: Partial<Record<FieldKind, (v: unknown) => unknown>> = {
  int: (v) => Number(v),
  bigint: (v) => BigInt(v as string),
  float: (v) => Number(v),
  decimal: (v) => String(Number(v)),
  boolean: (v) => v === 1,
  datetime: (v) => new Date(`${(v as string).replace(" ", "T")}Z`),
  json: (v) => JSON.parse(v as string),
  uuid: (v) => (v as string).toLowerCase(),
  vector: (v) => JSON.parse(v as string),
};

const textual = testDialect({
  name: "textual",
  decoder: (f) => steps[f.kind],
  like: (c, p) => `${c} LIKE ${p}`,
});

const Everything = new Model("Everything", {
  s: field.string(),
  t: field.text(),
  i: field.int(),
  b: field.bigint(),
  f: field.float(),
  d: field.decimal({ precision: 10, scale: 3 }),
  ok: field.boolean(),
  at: field.datetime(),
  day: field.date(),
  j: field.json(),
  u: field.uuid(),
  e: field.enum(["red", "green"]),
  v: field.vector(3),
  pk: field.int().optional(),
});

const kindOf = (name: string) => Everything.field(name)!.kind;

function driverRow(fields: readonly ModelField[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of fields) row[f.name] = f.name === "id" ? "7" : f.name === "pk" ? "8" : samples[f.kind].driver;
  return row;
}

describe("the row decoder of a column list", () => {
  it("turns every field kind's driver value into the contract's value, in place, keeping keys and their order", () => {
    const decode = rowDecoder(textual, Everything, Everything.fields);
    const row = driverRow(Everything.fields);
    const keys = Object.keys(row);
    expect(decode(row)).toBe(row);
    expect(Object.keys(row)).toEqual(keys);
    for (const name of keys) {
      if (name === "id" || name === "pk") continue;
      expect(row[name], name).toEqual(samples[kindOf(name)].value);
    }
    expect(row.id).toBe(7);
    expect(row.pk).toBe(8);
  });

  it("leaves NULL and missing columns alone", () => {
    const decode = rowDecoder(textual, Everything, Everything.fields);
    const row: Record<string, unknown> = { id: "1", i: null, at: null, ok: 0 };
    decode(row);
    expect(row).toEqual({ id: 1, i: null, at: null, ok: false });
    expect(Object.hasOwn(row, "j")).toBe(false);
  });

  it("is built once per column list and reused for the same list, by array or by names", () => {
    const some = [Everything.field("i")!, Everything.field("at")!];
    expect(rowDecoder(textual, Everything, some)).toBe(rowDecoder(textual, Everything, some));
    expect(rowDecoder(textual, Everything, [...some])).toBe(rowDecoder(textual, Everything, some));
    expect(rowDecoder(textual, Everything, Everything.fields)).toBe(rowDecoder(textual, Everything, Everything.fields));
  });

  it("does not reuse a decoder for a different column list", () => {
    const byKey = rowDecoder(textual, Everything, [Everything.primaryKey]);
    const pkOnly = rowDecoder(textual, Everything, [Everything.field("pk")!]);
    expect(pkOnly).not.toBe(byKey);
    // The primary key's decoder does not touch a column named `pk`, and the other way round.
    expect(byKey({ id: "1", pk: "2" })).toEqual({ id: 1, pk: "2" });
    expect(pkOnly({ id: "1", pk: "2" })).toEqual({ id: "1", pk: 2 });
    const listed = (names: string[]): ListOperation =>
      ({
        kind: "List",
        model: Everything,
        where: parseFilter(Everything, {}).ast,
        orderBy: parseOrderBy(Everything, ["id"]),
        limit: undefined,
        offset: undefined,
        after: undefined,
        select: names.map((n) => Everything.field(n)!),
      }) as ListOperation;
    const a = statements.listRows(textual, listed(["i"]));
    const b = statements.listRows(textual, listed(["at"]));
    expect(a.decode).not.toBe(b.decode);
    expect(a.decode({ i: "3" })).toEqual({ i: 3 });
    expect(b.decode({ i: "3", at: "2024-03-10 02:30:00.123" })).toEqual({ i: "3", at: samples.datetime.value });
    expect(statements.listRows(textual, listed(["i"])).decode).toBe(a.decode);
  });

  it("decodes columns whose names are not plain identifiers with the same steps, without embedding them in code", () => {
    const odd: ModelField[] = [
      { ...Everything.field("i")!, name: 'a"); throw new Error("x' },
      { ...Everything.field("ok")!, name: "b-c" },
    ];
    const decode = rowDecoder(textual, Everything, odd);
    expect(decode({ 'a"); throw new Error("x': "5", "b-c": 1 })).toEqual({ 'a"); throw new Error("x': 5, "b-c": true });
  });
});

describe("decimal text from the database", () => {
  it("keeps canonical text as it is and canonicalizes the rest exactly as canonicalDecimal does", () => {
    const texts = [
      "0",
      "5",
      "-5",
      "100",
      "0.5",
      "-0.5",
      "12.25",
      "-0",
      "-0.00",
      "0010.500",
      "10.50",
      "-05",
      ".5",
      "5.",
      "",
      "-",
      "+5",
      "1e5",
      "NaN",
      "1.2.3",
      " 5",
      "123456789012345678901234567890.123456789",
    ];
    for (const text of texts) expect(decodeDecimal(text), JSON.stringify(text)).toBe(canonicalDecimal(text) ?? text);
    const canonical = "123456789012345678901234567890.123456789";
    expect(decodeDecimal(canonical)).toBe(canonical);
    expect(decodeDecimal(12.5)).toBe("12.5");
  });
});
