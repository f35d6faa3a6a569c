import { ValidationError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import { declareItem } from "../../models.js";
import type { FieldMatcher } from "./expect.js";
import { causeOf, expectTyped, refused } from "./expect.js";

/** Calendar dates that do not exist; `Date` would roll each over into the next month. */
const IMPOSSIBLE = [
  "2024-02-30T00:00:00Z",
  "2023-02-29T12:00:00Z",
  "2100-02-29T00:00:00.000Z",
  "2024-04-31T10:00:00+02:00",
  "2024-06-31 08:00:00",
  "2024-09-31T23:59:59.999-05:00",
  "2024-02-30",
];

/** Instants across and beyond every database's datetime range, ascending. */
const EDGES = [
  "-000001-12-31T23:59:59.999Z",
  "0000-01-01T00:00:00.000Z",
  "0001-01-01T00:00:00.000Z",
  "0999-12-31T23:59:59.999Z",
  "1000-01-01T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
  "1970-01-01T00:00:00.000Z",
  "2038-01-19T03:14:08.000Z",
  "9999-12-31T23:59:59.999Z",
  "+010000-01-01T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
].map((iso) => new Date(iso));

/**
 * Beyond 9999-12-31, which MySQL and MariaDB cannot store: the one range every database shares cannot
 * include these, so every database refuses them.
 */
const MUST_REFUSE = new Set(["+010000-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"]);

/** Inside every sane range: these must be accepted. */
const MUST_ACCEPT = new Set([
  "1000-01-01T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
  "1970-01-01T00:00:00.000Z",
  "2038-01-19T03:14:08.000Z",
  "9999-12-31T23:59:59.999Z",
]);

/** Issue class 5: datetimes are parsed strictly, and stored so that they compare and sort correctly. */
export function datetimeTests(h: Harness): void {
  h.test("hostile: impossible calendar datetimes are refused in every position", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    await t.run("Item_Create", { data: { id: "leap", name: "leap", seen_at: "2024-02-29T12:00:00Z" } });
    let n = 0;
    const id = () => `b${n++}`; // fresh per attempt: one value that slips through must not mask the next one
    for (const value of IMPOSSIBLE) {
      const attempts: Array<[string, Record<string, unknown>, FieldMatcher]> = [
        ["Item_Create", { data: { id: id(), name: "bad", seen_at: value } }, "data.seen_at"],
        [
          "Item_BulkCreate",
          {
            data: [
              { id: id(), name: "b" },
              { id: id(), name: "b", seen_at: value },
            ],
          },
          "data[1].seen_at",
        ],
        ["Item_Update", { id: "leap", fields: { seen_at: value } }, "fields.seen_at"],
        ["Item_Upsert", { where: { id: "leap" }, create: { name: "u", seen_at: value }, update: { note: "x" } }, /seen_at$/],
        ["Item_Count", { filter: { seen_at: value } }, "filter.seen_at"],
        ["Item_Count", { filter: { seen_at: { $gte: value } } }, "filter.seen_at.$gte"],
        ["Item_Count", { filter: { seen_at: { $in: ["2024-01-01T00:00:00Z", value] } } }, /^filter\.seen_at\.\$in/],
      ];
      for (const [type, params, fieldName] of attempts) {
        await refused(t, type, params, ValidationError, fieldName, `${type} with ${value}`);
      }
    }
    const rows = await t.oracle.rows(table);
    expect(rows.map((r) => r.id)).toEqual(["leap"]);
    expect((await t.run("Item_Read", { id: "leap" })).result.seen_at.toISOString()).toBe("2024-02-29T12:00:00.000Z");
  });

  h.test("hostile: one contiguous datetime range, exact at its edges, ordered and compared correctly", async (t) => {
    const table = t.table("items");
    declareItem(t.db, table);
    const accepted: number[] = [];
    for (const [i, at] of EDGES.entries()) {
      try {
        await t.run("Item_Create", { data: { id: `e${String(i).padStart(2, "0")}`, name: "edge", seen_at: at } });
        accepted.push(i);
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause ?? error;
        expectTyped(cause, ValidationError, "data.seen_at", `${at.toISOString()} is either stored or refused as out of range`);
      }
    }
    const refusedIso = EDGES.filter((_, i) => !accepted.includes(i)).map((d) => d.toISOString());
    for (const iso of MUST_REFUSE) expect.soft(refusedIso, `${iso} is refused (outside the range every database shares)`).toContain(iso);
    for (const iso of MUST_ACCEPT)
      expect
        .soft(
          accepted.map((i) => EDGES[i]!.toISOString()),
          `${iso} is accepted`,
        )
        .toContain(iso);
    expect.soft(accepted, "the accepted instants form one range").toEqual(accepted.map((_, k) => accepted[0]! + k));
    expect.soft(await t.oracle.count(table)).toBe(accepted.length);
    const ids = accepted.map((i) => `e${String(i).padStart(2, "0")}`);
    for (const [k, i] of accepted.entries()) {
      const row = (await t.run("Item_Read", { id: ids[k] })).result;
      expect.soft(row.seen_at.toISOString(), "round trip").toBe(EDGES[i]!.toISOString());
    }
    const list = async (orderBy: string) => (await t.run("Item_List", { orderBy })).result.map((r: { id: string }) => r.id);
    expect.soft(await list("seen_at"), "ascending order").toEqual(ids);
    expect.soft(await list("-seen_at"), "descending order").toEqual([...ids].reverse());
    const count = async (filter: Record<string, unknown>) => (await t.run("Item_Count", { filter })).result as number;
    for (const [k, i] of accepted.entries()) {
      const at = EDGES[i]!;
      expect.soft(await count({ seen_at: { $lt: at } }), `$lt ${at.toISOString()}`).toBe(k);
      expect.soft(await count({ seen_at: { $gte: at } }), `$gte ${at.toISOString()}`).toBe(accepted.length - k);
      expect.soft(await count({ seen_at: at }), `= ${at.toISOString()}`).toBe(1);
    }
    for (const [i, at] of EDGES.entries()) {
      if (accepted.includes(i)) continue;
      const below = accepted.filter((a) => a < i).length;
      const cause = await causeOf(t, "Item_Count", { filter: { seen_at: { $lt: at } } });
      if (cause === undefined) {
        expect.soft(await count({ seen_at: { $lt: at } }), `$lt ${at.toISOString()} (outside the range)`).toBe(below);
      } else {
        expectTyped(cause, ValidationError, "filter.seen_at.$lt", `$lt ${at.toISOString()} is either compared correctly or refused`);
      }
    }
  });
}
