import { ValidationError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import type { FieldMatcher } from "./expect.js";
import { refused } from "./expect.js";

/** Text no database stores the same way: NUL, and UTF-16 surrogates without their pair. */
const BAD_TEXT = ["a\u0000b", "\u0000", "a\uD800b", "\uDC00", "tail\uDBFF", "\uDC00\uD800"];

/** Issue class 7: NUL and lone surrogates get the same typed answer on every database, in every position. */
export function textTests(h: Harness): void {
  h.test("hostile: NUL and lone surrogates are refused in values, JSON keys and values, and patterns", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_Create", { data: { id: "ok", name: "ok", email: "ok@example.com" } });
    let n = 0;
    // Fresh ids per attempt: one variant that slips through must not mask the next one.
    const id = () => `x${n++}`;
    for (const bad of BAD_TEXT) {
      const attempts: Array<[string, Record<string, unknown>, FieldMatcher]> = [
        ["Item_Create", { data: { id: id(), name: bad } }, "data.name"],
        ["Item_Create", { data: { id: bad, name: "x" } }, "data.id"],
        ["Item_Create", { data: { id: id(), name: "x", note: bad } }, "data.note"],
        ["Item_Create", { data: { id: id(), name: "x", meta: { k: bad } } }, /^data\.meta\b/],
        ["Item_Create", { data: { id: id(), name: "x", meta: { list: ["fine", { deep: bad }] } } }, /^data\.meta\b/],
        ["Item_Create", { data: { id: id(), name: "x", meta: { [`key${bad}`]: 1 } } }, /^data\.meta\b/],
        ["Item_Create", { data: { id: id(), name: "x", tags: ["fine", bad] } }, /^data\.tags\b/],
        [
          "Item_BulkCreate",
          {
            data: [
              { id: id(), name: "x" },
              { id: id(), name: "x", note: bad },
            ],
          },
          "data[1].note",
        ],
        ["Item_BulkUpsert", { data: [{ id: id(), name: "x", meta: { [bad]: bad } }], conflictOn: ["id"] }, /^data\[0\]\.meta\b/],
        ["Item_Update", { id: "ok", fields: { note: bad } }, "fields.note"],
        ["Item_Update", { id: "ok", fields: { meta: { nested: [bad] } } }, /^fields\.meta\b/],
        ["Item_Upsert", { where: { email: `u${bad}` }, create: { id: id(), name: "x" } }, /email$/],
        ["Item_BulkUpdate", { filter: { id: "ok" }, fields: { name: bad } }, "fields.name"],
        ["Item_Count", { filter: { note: bad } }, "filter.note"],
        ["Item_Count", { filter: { name: { $in: ["ok", bad] } } }, /^filter\.name\.\$in/],
        ["Item_Count", { filter: { note: { $like: `%${bad}%` } } }, "filter.note.$like"],
        ["Item_Count", { filter: { note: { $ilike: `${bad}%` } } }, "filter.note.$ilike"],
        ["Item_Count", { filter: { name: { $regex: `^${bad}` } } }, "filter.name.$regex"],
        ["Item_Count", { filter: { note: { $contains: bad } } }, "filter.note.$contains"],
        ["Item_Count", { filter: { meta: { $contains: bad } } }, "filter.meta.$contains"],
        ["Item_Count", { filter: { tags: { $contains: bad } } }, "filter.tags.$contains"],
        ["Item_BulkDelete", { filter: { $and: [{ id: "nobody" }, { name: { $like: bad } }] } }, /^filter\.\$and\[1\]\.name\.\$like$/],
      ];
      for (const [type, params, fieldName] of attempts) {
        const what = `${type} ${JSON.stringify(params)}`;
        await refused(t, type, params, ValidationError, fieldName, what);
      }
    }
    const rows = await t.oracle.rows(table);
    expect(rows.map((r) => [r.id, r.name, r.note])).toEqual([["ok", "ok", null]]);
  });
}
