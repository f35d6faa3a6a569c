import { describe, expect, it } from "vitest";
import { field } from "@dataflow/kernel";
import { Model } from "@dataflow/kernel/plugin";
import { groupByColumns } from "../src/index.js";

describe("groupByColumns", () => {
  it("groups bulk rows by the columns they carry, in order of first appearance, columns in model order", () => {
    const m = new Model("Thing", { name: field.string({ maxLength: 10 }), note: field.string().optional() });
    const rows = [{ name: "a", note: null }, { id: 5, name: "b", note: null }, { name: "c" }, { name: "d", note: "x" }, { note: "y", id: 6, name: "e" }];
    const groups = groupByColumns(m, rows);
    expect(groups.map((g) => g.fields.map((f) => f.name))).toEqual([["name", "note"], ["id", "name", "note"], ["name"]]);
    expect(groups.map((g) => g.rows.map((r) => r.name))).toEqual([["a", "d"], ["b", "e"], ["c"]]);
  });

  it("keys a model of more than 30 fields by text, not a bit mask", () => {
    const shape = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, field.int().optional()]));
    const m = new Model("Wide", shape);
    const groups = groupByColumns(m, [{ f0: 1 }, { f39: 2 }, { f0: 3 }, { f38: 4, f39: 5 }]);
    expect(groups.map((g) => g.fields.map((f) => f.name))).toEqual([["f0"], ["f39"], ["f38", "f39"]]);
    expect(groups[0]!.rows).toHaveLength(2);
  });
});
