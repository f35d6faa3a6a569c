import { describe, expect, it } from "vitest";
import { ValidationError, field } from "../src/index.js";
import { Model, bulkRowGroups, normalizeCreateData, normalizeOperation } from "../src/plugin-api.js";

const Item = () =>
  new Model("Item", {
    name: field.string({ maxLength: 10 }),
    score: field.int().default(7),
    note: field.string().optional(),
    token: field.string().default(() => "generated"),
  });

function caught(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

const bulk = (model: Model, data: unknown[]) => normalizeOperation(model, "BulkCreate", { data });

describe("create rows (the per-model row plan)", () => {
  it("fills defaults, nulls and timestamps exactly as declared, one instant per operation", () => {
    const op = bulk(Item(), [{ name: "a" }, { name: "b", score: 1, note: "n", token: "t" }]);
    if (op.kind !== "BulkCreate") throw new Error(op.kind);
    const [a, b] = op.rows;
    expect(a).toEqual({ name: "a", score: 7, note: null, token: "generated", created_at: a!.created_at, updated_at: a!.created_at });
    expect(a!.created_at).toBeInstanceOf(Date);
    expect(b).toMatchObject({ name: "b", score: 1, note: "n", token: "t" });
    expect(b!.updated_at).toBe(a!.created_at);
    expect(Object.hasOwn(a!, "id")).toBe(false);
  });

  it("names the row index and the field of the first bad row, for each kind of problem", () => {
    const m = Item();
    const cases: Array<[unknown[], string]> = [
      [[{ name: "ok" }, { name: "x", scroe: 1 }], "data[1].scroe"],
      [[{ name: "ok" }, { name: "ok" }, { name: "x", created_at: new Date() }], "data[2].created_at"],
      [[{ score: 1 }], "data[0].name"],
      [[{ name: "ok" }, { name: "ok" }, { name: "ok" }, { name: "x", score: 1.5 }], "data[3].score"],
      [[{ name: "this is far too long" }], "data[0].name"],
      [[{ name: "ok" }, "not a row"], "data[1]"],
      [[{ name: "ok" }, { name: undefined }], "data[1].name"],
    ];
    for (const [data, path] of cases) expect(caught(() => bulk(m, data)).field, JSON.stringify(data)).toBe(path);
  });

  it("ignores inherited keys (a polluted prototype) and refuses a null-prototype row's unknown key", () => {
    const m = Item();
    const inherited = Object.create({ score: 99 }) as Record<string, unknown>;
    inherited.name = "x";
    // Not a plain object (its prototype is not Object.prototype): refused as a row.
    expect(caught(() => bulk(m, [inherited])).field).toBe("data[0]");
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { name: "x", extra: 1 });
    expect(caught(() => normalizeCreateData(m, bare, "data", new Date())).field).toBe("data.extra");
  });

  it("gives bulk rows the same values and errors when Object.prototype carries field names (inherited values never count)", () => {
    const data = [{ name: "a" }, { name: "b", score: 1, note: "n", token: "t" }, { id: 3, name: "c" }, { name: "d", note: null }];
    const values = () => {
      const op = bulk(Item(), data);
      if (op.kind !== "BulkCreate") throw new Error(op.kind);
      // Without the two timestamps (one instant per operation, different between the two runs).
      return bulkRowGroups(op).map((g) => ({ fields: g.fields.map((f) => f.name), rows: g.rows.map((r) => r.slice(0, -2)) }));
    };
    const clean = values();
    expect(clean[0]!.rows).toEqual([
      ["a", 7, null, "generated"],
      ["b", 1, "n", "t"],
      ["d", 7, null, "generated"],
    ]);
    const proto = Object.prototype as Record<string, unknown>;
    proto.name = "inherited";
    proto.note = "inherited";
    try {
      expect(values()).toEqual(clean);
      expect(caught(() => bulk(Item(), [{ name: "ok" }, { score: 1 }])).field).toBe("data[1].name");
      // An inherited `note` must not stand in for the unknown own key in the row's key count.
      expect(caught(() => bulk(Item(), [{ name: "ok" }, { name: "x", bogus: 1 }])).field).toBe("data[1].bogus");
    } finally {
      delete proto.name;
      delete proto.note;
    }
    expect(values()).toEqual(clean);
  });

  it("sees a system field a plugin adds after the model's first use", () => {
    const m = Item();
    expect(normalizeCreateData(m, { name: "a" }, "data", new Date())).not.toHaveProperty("tenant_id");
    m.addSystemField("tenant_id", field.string().optional().config, { acceptInput: true });
    expect(normalizeCreateData(m, { name: "a", tenant_id: "t1" }, "data", new Date())).toMatchObject({ tenant_id: "t1" });
    m.addSystemField("shard", field.int().optional().config);
    expect(caught(() => normalizeCreateData(m, { name: "a", shard: 1 }, "data", new Date())).field).toBe("data.shard");
  });

  it("reports an invalid constant default on the row that needs it", () => {
    const m = new Model("Bad", { name: field.string({ maxLength: 3 }).default("far too long") });
    expect(normalizeCreateData(m, { name: "abc" }, "data", new Date())).toMatchObject({ name: "abc" });
    expect(caught(() => bulk(m, [{ name: "abc" }, {}])).field).toBe("data[1].name (default)");
  });
});
