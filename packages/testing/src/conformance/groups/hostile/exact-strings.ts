import { NotFoundError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import { refused, softly } from "./expect.js";

/** Issue class 2: strings compare exactly (no trailing-space padding) in filters, keys and unique constraints. */
export function exactStringTests(h: Harness): void {
  h.test("hostile: trailing spaces are significant in every comparison", async (t) => {
    declareItem(t.db, t.table("items"));
    const values = ["tok", "tok ", "tok  ", "tok\t"];
    // Ids without spaces, so that a padding primary key cannot stop the filter variants from running.
    for (const [i, v] of values.entries()) await t.run("Item_Create", { data: { id: `t${i}`, name: v, note: v } });
    const count = async (filter: Record<string, unknown>) => (await t.run("Item_Count", { filter })).result as number;
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ name: "tok" }, 1],
      [{ name: "tok " }, 1],
      [{ note: "tok" }, 1],
      [{ note: { $eq: "tok  " } }, 1],
      [{ name: { $in: ["tok"] } }, 1],
      [{ note: { $in: ["tok", "tok "] } }, 2],
      [{ name: { $ne: "tok" } }, 3],
      [{ note: { $nin: ["tok"] } }, 3],
      [{ name: { $gt: "tok" } }, 3],
      [{ name: { $lte: "tok" } }, 1],
      [{ note: { $lt: "tok " } }, 2],
      [{ $not: { name: "tok" } }, 3],
    ];
    for (const [filter, expected] of cases) expect.soft(await count(filter), JSON.stringify(filter)).toBe(expected);
    const read = await softly("Read by name 'tok  '", () => t.run("Item_Read", { filter: { name: "tok  " } }));
    if (read) expect.soft(read.result.id).toBe("t2");
    const ordered = (await t.run("Item_List", { orderBy: ["name"] })).result.map((r: { name: string }) => r.name);
    expect.soft(ordered).toEqual(["tok", "tok\t", "tok ", "tok  "]);
  });

  h.test("hostile: a key with a trailing space does not reach the row without it", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_Create", { data: { id: "alice", name: "alice", email: "alice@example.com" } });
    await refused(t, "Item_Delete", { id: "alice " }, NotFoundError, undefined);
    await refused(t, "Item_Update", { id: "alice ", fields: { note: "changed" } }, NotFoundError, undefined);
    await refused(t, "Item_Delete", { filter: { name: "alice " } }, NotFoundError, undefined);
    await refused(t, "Item_Update", { filter: { email: "alice@example.com " }, fields: { note: "changed" } }, NotFoundError, undefined);
    expect.soft((await t.run("Item_Read", { id: "alice ", raiseOnNotFound: false })).found).toBe(false);
    expect.soft((await t.run("Item_BulkDelete", { filter: { id: { $in: ["alice ", "alice  "] } } })).result.deleted).toBe(0);
    expect.soft((await t.run("Item_BulkUpdate", { filter: { name: "alice " }, fields: { note: "changed" } })).result.updated).toBe(0);
    const rows = await t.oracle.rows(table);
    expect(rows.map((r) => [r.id, r.name, r.note])).toEqual([["alice", "alice", null]]);
  });

  h.test("hostile: unique and primary keys tell values with trailing spaces apart", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_Create", { data: { id: "k", name: "a", email: "pad" } });
    await softly("Create id 'k ' and email 'pad ' next to 'k' / 'pad'", () => t.run("Item_Create", { data: { id: "k ", name: "b", email: "pad " } }));
    const upsert = await softly("Upsert where email 'pad  '", () =>
      t.run("Item_Upsert", { where: { email: "pad  " }, create: { id: "k  ", name: "c" }, update: { name: "clobbered" } }),
    );
    if (upsert) expect.soft(upsert.created, "Upsert on 'pad  ' creates a row instead of updating 'pad'").toBe(true);
    const bulk = await softly("BulkUpsert ids 'k' and 'k\\t'", () =>
      t.run("Item_BulkUpsert", {
        data: [
          { id: "k", name: "a2" },
          { id: "k\t", name: "d" },
        ],
        conflictOn: ["id"],
        update: ["name"],
      }),
    );
    if (bulk) expect.soft(bulk.result, "BulkUpsert").toEqual({ inserted: 1, updated: 1 });
    const skipped = await softly("BulkCreate skip on email", () =>
      t.run("Item_BulkCreate", {
        data: [
          { id: "x", name: "e", email: "pad\t" },
          { id: "y", name: "f", email: "pad" },
        ],
        onConflict: "skip",
        conflictOn: ["email"],
      }),
    );
    if (skipped) expect.soft(skipped.result, "BulkCreate skip").toMatchObject({ inserted: 1, skipped: 1 });
    const rows = (await t.oracle.rows(table)).map((r) => [r.id, r.name, r.email]).sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    expect(rows).toEqual([
      ["k", "a2", "pad"],
      ["k\t", "d", null],
      ["k ", "b", "pad "],
      ["k  ", "c", "pad  "],
      ["x", "e", "pad\t"],
    ]);
  });
}
