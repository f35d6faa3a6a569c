import type Database from "better-sqlite3";
import type { RowCursor } from "@dataflow/sql-core";

/**
 * A cursor over better-sqlite3's `iterate()`: each `read()` steps the statement `batchSize` times.
 * The statement is prepared for this cursor alone (a cached one would be busy while iterated).
 */
export function openSqliteCursor(db: Database.Database, text: string, params: readonly unknown[], batchSize: number): RowCursor {
  const statement = db.prepare<unknown[], Record<string, unknown>>(text);
  // Same rule as the adapter's cached statements: a bigint (INT) column comes back exactly, as BigInt.
  if (statement.columns().some((c) => c.type === "INT")) statement.safeIntegers(true);
  const rows = statement.iterate(...params);
  let ended = false;
  return {
    async read() {
      const batch: Record<string, unknown>[] = [];
      while (!ended && batch.length < batchSize) {
        const step = rows.next();
        if (step.done) ended = true;
        else batch.push(step.value);
      }
      return batch;
    },
    async close() {
      if (!ended) {
        ended = true;
        rows.return?.();
      }
      return true;
    },
  };
}
