import { describe, expect, it } from "vitest";
import { field } from "../src/index.js";
import type { BulkCreateOperation, RowData } from "../src/plugin-api.js";
import { Model, bulkRowCount, bulkRowGroups, normalizeOperation } from "../src/plugin-api.js";

const Item = () => new Model("Item", { name: field.string({ maxLength: 10 }), note: field.string().optional() });

function bulk(model: Model, data: unknown[]): BulkCreateOperation {
  const op = normalizeOperation(model, "BulkCreate", { data });
  if (op.kind !== "BulkCreate") throw new Error(op.kind);
  return op;
}

const names = (op: BulkCreateOperation) => bulkRowGroups(op).map((g) => g.fields.map((f) => f.name));

describe("bulk rows, positional (bulkRowGroups)", () => {
  it("groups the kernel's rows by the columns they carry, values in column order, groups in order of first appearance", () => {
    const op = bulk(Item(), [{ name: "a" }, { id: 5, name: "b" }, { name: "c", note: "x" }, { id: 6, name: "d" }]);
    expect(names(op)).toEqual([
      ["name", "note", "created_at", "updated_at"],
      ["id", "name", "note", "created_at", "updated_at"],
    ]);
    const [auto, keyed] = bulkRowGroups(op);
    expect(auto!.rows.map((r) => r.slice(0, 2))).toEqual([
      ["a", null],
      ["c", "x"],
    ]);
    expect(keyed!.rows.map((r) => r.slice(0, 3))).toEqual([
      [5, "b", null],
      [6, "d", null],
    ]);
    expect(auto!.rows[0]![2]).toBeInstanceOf(Date);
    expect(bulkRowCount(op)).toBe(4);
  });

  it("builds row objects in input order on first read of `rows`, and from then on groups those objects", () => {
    const op = bulk(Item(), [{ name: "a" }, { id: 5, name: "b" }, { name: "c" }]);
    expect(op.rows.map((r) => [r.id, r.name])).toEqual([
      [undefined, "a"],
      [5, "b"],
      [undefined, "c"],
    ]);
    expect(Object.hasOwn(op.rows[0]!, "id")).toBe(false);
    // A plugin changing the objects is what the writer sees.
    op.rows[2]!.note = "stamped";
    expect(bulkRowGroups(op)[0]!.rows[1]!.slice(0, 2)).toEqual(["c", "stamped"]);
  });

  it("follows a replaced `rows` and a copied operation", () => {
    const op = bulk(Item(), [{ name: "a" }]);
    const copy: BulkCreateOperation = { ...op, rows: op.rows.map((r) => ({ ...r, note: "copy" })) };
    expect(bulkRowGroups(copy)[0]!.rows[0]!.slice(0, 2)).toEqual(["a", "copy"]);
    const other = bulk(Item(), [{ name: "a" }, { name: "b" }]);
    other.rows = [{ name: "z", note: null }];
    expect(bulkRowGroups(other)).toEqual([{ fields: [other.model.field("name"), other.model.field("note")], rows: [["z", null]] }]);
    expect(bulkRowCount(other)).toBe(1);
  });

  it("groups row objects of an operation the kernel did not build; a model of more than 30 fields is keyed by text", () => {
    const m = Item();
    const rows: RowData[] = [{ name: "a", note: null }, { id: 5, name: "b", note: null }, { name: "c" }, { note: "y", id: 6, name: "e" }];
    const op = { ...bulk(m, []), rows };
    expect(names(op)).toEqual([["name", "note"], ["id", "name", "note"], ["name"]]);
    expect(bulkRowGroups(op)[1]!.rows).toEqual([
      [5, "b", null],
      [6, "e", "y"],
    ]);
    const shape = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, field.int().optional()]));
    const wide = { ...bulk(new Model("Wide", shape), []), rows: [{ f0: 1 }, { f39: 2 }, { f0: 3 }, { f38: 4, f39: 5 }] };
    expect(names(wide)).toEqual([["f0"], ["f39"], ["f38", "f39"]]);
  });

  it("still names the row and field of a bad row", () => {
    expect(() => bulk(Item(), [{ name: "a" }, { id: 5, name: "this is far too long" }])).toThrow(expect.objectContaining({ field: "data[1].name" }));
  });
});
