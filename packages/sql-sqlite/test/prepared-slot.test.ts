import { describe, expect, it } from "vitest";
import { ClosedError } from "@dataflow/kernel";
import type { PreparedSlot } from "@dataflow/sql-core";
import { SqliteAdapter } from "../src/index.js";

/**
 * sql-core hands one `PreparedSlot` per compiled statement text, on every run of it; the adapter keeps
 * its prepared statement there. The slot may meet several adapters (one dialect, many databases).
 */
describe("the prepared statement kept on a compiled statement's slot", () => {
  async function database(rows: number[]): Promise<SqliteAdapter> {
    const adapter = new SqliteAdapter("sqlite::memory:");
    await adapter.connect();
    adapter.exec("CREATE TABLE t (x INTEGER)", []);
    for (const x of rows) adapter.exec("INSERT INTO t VALUES (?)", [x]);
    return adapter;
  }

  it("runs on the adapter that runs it, when one slot alternates between two databases", async () => {
    const a = await database([1, 2]);
    const b = await database([10, 20, 30]);
    const slot: PreparedSlot = { owner: undefined, handle: undefined };
    const text = "SELECT SUM(x) AS s FROM t WHERE x > ?";
    for (let i = 0; i < 3; i++) {
      expect(a.exec(text, [0], slot).rows).toEqual([{ s: 3 }]);
      expect(b.exec(text, [0], slot).rows).toEqual([{ s: 60 }]);
      expect(b.exec(text, [15], slot).rows).toEqual([{ s: 50 }]);
    }
    await a.close();
    await b.close();
  });

  it("fails with ClosedError after close, although the slot still holds the statement", async () => {
    const a = await database([1]);
    const slot: PreparedSlot = { owner: undefined, handle: undefined };
    expect(a.exec("SELECT x FROM t", [], slot).rows).toEqual([{ x: 1 }]);
    expect(slot.handle).toBeDefined();
    await a.close();
    expect(() => a.exec("SELECT x FROM t", [], slot)).toThrow(ClosedError);
  });
});
