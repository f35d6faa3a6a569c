import { randomBytes } from "node:crypto";
import { DataFlow, field } from "@dataflow/kernel";
import { afterAll, describe, expect, it } from "vitest";
import { useIsolatedDataFlow, useTestDatabase } from "@dataflow/testing";
import postgres from "../src/index.js";
import { rawQuery, runNode } from "./support.js";

const res = await useTestDatabase("postgres");
const url = res.ok ? res.db.url : "";
const table = `isolated_${randomBytes(4).toString("hex")}`;

describe.skipIf(!res.ok)("per-test transactions (TDD harness) on PostgreSQL", () => {
  // Registered before the harness's hooks, so it runs after the harness closed its DataFlow.
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });
  const t = useIsolatedDataFlow({
    create: () => new DataFlow({ url, plugins: [postgres] }),
    setup: (db) => db.model("Entry", { label: field.string().unique(), n: field.int() }, { table }),
  });

  it("writes inside the test's transaction, bulk paths included", async () => {
    await runNode(t.db, "Entry_Create", { data: { label: "one", n: 1 } });
    const bulk = await runNode(t.db, "Entry_BulkCreate", {
      data: [
        { label: "two", n: 2 },
        { label: "three", n: 3 },
      ],
    });
    expect(bulk.result.inserted).toBe(2);
    const upsert = await runNode(t.db, "Entry_BulkUpsert", {
      data: [
        { label: "three", n: 30 },
        { label: "four", n: 4 },
      ],
      conflictOn: ["label"],
    });
    expect(upsert.result).toEqual({ inserted: 1, updated: 1 });
    expect((await runNode(t.db, "Entry_Count", {})).result).toBe(4);
    // Nothing is committed: another connection sees no row.
    expect((await rawQuery(url, `SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n).toBe(0);
  });

  it("starts from an empty table again", async () => {
    expect((await runNode(t.db, "Entry_Count", {})).result).toBe(0);
    await runNode(t.db, "Entry_Create", { data: { label: "one", n: 1 } });
    expect((await runNode(t.db, "Entry_List", {})).result.map((r: { label: string }) => r.label)).toEqual(["one"]);
  });
});
