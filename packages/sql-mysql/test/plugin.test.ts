import { DataFlow, field } from "@dataflow/kernel";
import { channels } from "@dataflow/kernel/plugin";
import { useTestDatabase } from "@dataflow/testing";
import { afterAll, describe, expect, it } from "vitest";
import { rawQuery } from "./oracle.js";
import type { MysqlAdapter } from "../src/index.js";
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

describe.skipIf(!res.ok)("Create", () => {
  it("returns the stored row in the INSERT on MariaDB (RETURNING), and reads it back by id on MySQL", async () => {
    const db = new DataFlow(url);
    const texts: string[] = [];
    const channel = channels.query;
    const handlers = { start: (m: { text: string }) => void texts.push(m.text), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
    try {
      const Note = db.model("ReturnedNote", { text: field.string(), at: field.datetime() }, { table: "returned_notes" });
      await db.ensureModel(Note);
      channel.subscribe(handlers);
      const at = new Date("2024-02-29T12:34:56.789Z");
      const { result } = await runNode(db, "ReturnedNote_Create", { data: { text: "first", at } });
      channel.unsubscribe(handlers);
      expect(result).toEqual({ id: 1, text: "first", at, created_at: expect.any(Date), updated_at: expect.any(Date) });
      const mariadb = (db.adapter as MysqlAdapter).server.flavor === "mariadb";
      if (mariadb) expect(texts).toEqual([expect.stringMatching(/^INSERT INTO `returned_notes` .* RETURNING `id`, `text`, `at`, `created_at`, `updated_at`$/)]);
      else expect(texts).toEqual([expect.stringMatching(/^INSERT /), expect.stringMatching(/^SELECT /)]);
      // The returned row is the stored one (the oracle gives BIGINT as text).
      expect(await rawQuery(url, "SELECT id, text FROM returned_notes")).toEqual([{ id: "1", text: "first" }]);
    } finally {
      channel.unsubscribe(handlers);
      await db.close();
    }
  });
});
