import { DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, describe, expect, it } from "vitest";
import { rawQuery } from "./oracle.js";
import { runNode } from "./support.js";

const res = await useTestDatabase("mysql");
const url = res.ok ? res.db.url : "";
afterAll(() => (res.ok ? res.db.dispose() : undefined));

describe.skipIf(!res.ok)("zero-config loading by URL scheme", () => {
  it.each(["mysql", "mariadb"])("new DataFlow('%s://...') loads @dataflow/sql-mysql by name and works", async (scheme) => {
    const db = new DataFlow(url.replace(/^mysql:/, `${scheme}:`));
    try {
      expect(db.adapter.databaseType).toBe("mysql");
      db.model("Note", { text: field.string() }, { table: `notes_${scheme}` });
      const { result } = await runNode(db, "Note_Create", { data: { text: `via ${scheme}` } });
      expect(result).toMatchObject({ id: 1, text: `via ${scheme}` });
      expect((await db.healthCheck()).ok).toBe(true);
      expect(await rawQuery(url, `SELECT text FROM notes_${scheme}`)).toEqual([{ text: `via ${scheme}` }]);
    } finally {
      await db.close();
    }
  });

  it("the URL in DataFlow is masked", () => {
    const db = new DataFlow("mysql://app:topsecret@127.0.0.1:1/app");
    expect(db.url).not.toContain("topsecret");
    return db.close();
  });
});
