import { DataFlow, NotFoundError, ValidationError, field } from "@dataflow/kernel";
import { definePlugin } from "@dataflow/kernel/plugin";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import { refused, softly } from "./expect.js";

/** Filters that match every row once normalized, written as an attacker would. */
export const ALWAYS_TRUE_FILTERS: readonly Record<string, unknown>[] = [
  { $or: [{}] },
  { $not: { $or: [] } },
  { $and: [{}, {}] },
  { $and: [] },
  { $or: [{}, { name: "nobody" }] },
  { $not: { $not: {} } },
  { $and: [{ $or: [{}] }, { $not: { $or: [] } }] },
  { $or: [{ $and: [] }] },
  { $not: { $and: [{ name: "nobody" }, { $or: [] }] } },
  { $not: { qty: { $in: [] } } },
  { qty: { $nin: [] } },
  { $or: [{ name: { $in: [] } }, { $and: [{}] }] },
];

/** Sets `Object.prototype[key]` (enumerable, as `obj.__proto__[key] = value` would) while `fn` runs. */
async function withPolluted<T>(key: string, value: unknown, fn: () => Promise<T> | T): Promise<T> {
  const proto = Object.prototype as Record<string, unknown>;
  if (Object.hasOwn(proto, key)) throw new Error(`Object.prototype.${key} already exists`);
  proto[key] = value;
  try {
    return await fn();
  } finally {
    delete proto[key];
  }
}

/** Issue class 3: the bulk-write guard, and options and parameters read as own properties only. */
export function bulkGuardTests(h: Harness): void {
  h.test("hostile: always-true filters need all: true for BulkDelete and BulkUpdate", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    const seed = [1, 2, 3].map((i) => ({ id: `g${i}`, name: `n${i}`, qty: i }));
    await t.run("Item_BulkCreate", { data: seed });
    for (const filter of ALWAYS_TRUE_FILTERS) {
      const what = JSON.stringify(filter);
      await refused(t, "Item_BulkDelete", { filter }, ValidationError, "filter", `BulkDelete ${what}`);
      await refused(t, "Item_BulkUpdate", { filter, fields: { note: "all" } }, ValidationError, "filter", `BulkUpdate ${what}`);
      await refused(t, "Item_BulkUpdate", { filter, fields: { note: "all" }, all: false }, ValidationError, "filter", `BulkUpdate all: false ${what}`);
    }
    for (const all of ["true", 1, {}]) {
      await refused(t, "Item_BulkDelete", { filter: {}, all }, ValidationError, "all", `all: ${JSON.stringify(all)}`);
    }
    const rows = await t.oracle.rows(table);
    expect
      .soft(
        rows.map((r) => [r.id, r.note]),
        "nothing was written",
      )
      .toEqual([
        ["g1", null],
        ["g2", null],
        ["g3", null],
      ]);
    // With all: true the same filters do touch every row (restored first, should a variant above have deleted them).
    await t.run("Item_BulkCreate", { data: seed, onConflict: "skip", conflictOn: ["id"] });
    expect((await t.run("Item_BulkUpdate", { filter: { $or: [{}] }, fields: { note: "all" }, all: true })).result.updated).toBe(3);
    expect((await t.run("Item_BulkDelete", { filter: { $not: { $or: [] } }, all: true })).result.deleted).toBe(3);
    expect(await t.oracle.count(table)).toBe(0);
  });

  h.test("hostile: parameters inherited from a polluted Object.prototype are ignored", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table, { softDelete: true });
    await t.run("Item_BulkCreate", { data: [1, 2].map((i) => ({ id: `p${i}`, name: `n${i}` })) });
    await t.run("Item_Delete", { id: "p2" });
    await withPolluted("all", true, async () => {
      await refused(t, "Item_BulkDelete", { filter: {} }, ValidationError, "filter", "BulkDelete with a polluted 'all'");
      await refused(t, "Item_BulkUpdate", { filter: { $or: [{}] }, fields: { note: "x" } }, ValidationError, "filter", "BulkUpdate with a polluted 'all'");
    });
    const listed = await withPolluted("includeDeleted", true, async () => ({
      list: (await t.run("Item_List", {})).result.map((r: { id: string }) => r.id),
      count: (await t.run("Item_Count", {})).result,
      read: (await t.run("Item_Read", { id: "p2", raiseOnNotFound: false })).found,
    }));
    expect.soft(listed, "a polluted includeDeleted does not show tombstones").toEqual({ list: ["p1"], count: 1, read: false });
    await withPolluted("raiseOnNotFound", false, () =>
      refused(t, "Item_Read", { id: "missing" }, NotFoundError, undefined, "Read with a polluted raiseOnNotFound"),
    );
    const rows = await t.oracle.rows(table);
    expect(rows.map((r) => [r.id, r.note, r.deleted_at === null])).toEqual([
      ["p1", null, true],
      ["p2", null, false],
    ]);
  });

  h.test("hostile: DataFlow options inherited from a polluted Object.prototype are ignored", async (t) => {
    let probed = 0;
    const probe = definePlugin({
      name: "hostile-probe",
      kernel: "^1",
      adapters: [
        {
          schemes: ["hostile-probe"],
          create: () => {
            probed++;
            throw new Error("the polluted url was opened");
          },
        },
      ],
    });
    const constructions: Array<[string, () => DataFlow]> = [
      ["new DataFlow()", () => new DataFlow()],
      ["new DataFlow({ plugins })", () => new DataFlow({ plugins: [probe] })],
    ];
    for (const [what, construct] of constructions) {
      const built = await withPolluted("url", "hostile-probe://attacker/db", () => {
        try {
          return construct();
        } catch (error) {
          return error; // DATABASE_URL or the embedded default may be unavailable here: only the polluted url matters
        }
      });
      if (built instanceof DataFlow) {
        expect.soft(built.scheme, what).not.toBe("hostile-probe");
        await built.close();
      } else {
        expect.soft(String((built as Error)?.message), `${what} read Object.prototype.url`).not.toContain("hostile-probe");
      }
    }
    expect.soft(probed, "new DataFlow({ plugins }) opened Object.prototype.url").toBe(0);

    const fresh = t.table("items");
    const narrow = t.table("items");
    // A closed instance makes the narrow table: a live one would own it, and declaring Item on it is refused.
    const seed = await t.createDataFlow();
    try {
      seed.model("Narrow", { id: field.string(), name: field.string({ maxLength: 100 }) }, { table: narrow });
      await h.context(seed).run("Narrow_Create", { data: { id: "n0", name: "n0" } });
    } finally {
      await seed.close();
    }
    const cases: Array<[string, unknown, string]> = [
      ["existingSchemaMode", true, fresh], // would skip creating the table
      ["namespace", "polluted", fresh], // would rename every node type
      ["autoMigrate", false, narrow], // would skip adding the Item columns to the narrow table
    ];
    for (const [key, value, table] of cases) {
      const db = await withPolluted(key, value, () => t.createDataFlow());
      try {
        expect.soft(db.namespace, `Object.prototype.${key}`).toBeUndefined();
        declareItem(db, table);
        await softly(`Create after a polluted ${key}`, () => h.context(db).run("Item_Create", { data: { id: key, name: key, qty: 1 } }));
      } finally {
        await db.close();
      }
    }
    expect((await t.oracle.rows(fresh)).map((r) => r.id)).toEqual(["existingSchemaMode", "namespace"]);
    expect((await t.oracle.rows(narrow)).map((r) => [r.id, r.qty === null ? null : Number(r.qty)])).toEqual([
      ["autoMigrate", 1],
      ["n0", null],
    ]);
  });
}
