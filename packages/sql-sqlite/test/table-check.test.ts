import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { QueryTraceContext } from "@dataflow/kernel";
import { DataFlow, channels, field } from "@dataflow/kernel";
import sqlitePlugin from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-table-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The statements `fn` sends, from the `dataflow:query` tracing channel. */
async function statementsOf(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const handlers = { start: (ctx: QueryTraceContext) => void seen.push(ctx.text), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
  channels.query.subscribe(handlers as never);
  try {
    await fn();
  } finally {
    channels.query.unsubscribe(handlers as never);
  }
  return seen;
}

describe("the table check at first use", () => {
  it("reads the index list only for a model that declares indexes, and still creates a missing one", async () => {
    const file = join(dir, "check.db");
    const setup = new DataFlow({ url: `sqlite://${file}`, plugins: [sqlitePlugin] });
    await setup.ensureModel(setup.model("Plain", { title: field.string() }));
    await setup.ensureModel(setup.model("Ranked", { score: field.int() }));
    await setup.close();

    const db = new DataFlow({ url: `sqlite://${file}`, plugins: [sqlitePlugin] });
    try {
      const Plain = db.model("Plain", { title: field.string() });
      const Ranked = db.model("Ranked", { score: field.int().index() });
      const plain = await statementsOf(() => db.ensureModel(Plain));
      expect(plain.some((s) => s.includes("pragma_table_info"))).toBe(true);
      expect(plain.some((s) => s.includes("pragma_index_list"))).toBe(false);

      const ranked = await statementsOf(() => db.ensureModel(Ranked));
      expect(ranked.some((s) => s.includes("pragma_index_list"))).toBe(true);
      expect(ranked.some((s) => s.startsWith("CREATE INDEX"))).toBe(true);
    } finally {
      await db.close();
    }
  });
});
