import type { CursorOptions, RowCursor, SqlExecutor } from "@dataflow/sql-core";

let counter = 0;

/**
 * A server-side cursor: `DECLARE ... NO SCROLL CURSOR` in the caller's transaction, then
 * `FETCH FORWARD n` per batch. Each FETCH is an ordinary statement, so other statements of the same
 * transaction may run between batches. The rows pass the pool's type parsers like any result.
 */
export async function openPgCursor(executor: SqlExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor> {
  const { batchSize, owned } = options;
  const name = `df_stream_${(counter = (counter + 1) % 1_000_000_000)}`;
  await executor.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${text}`, params);
  let ended = false;
  let closed = false;
  const fetch = `FETCH FORWARD ${Math.trunc(batchSize)} FROM ${name}`;
  return {
    async read() {
      if (ended) return [];
      const { rows } = await executor.query(fetch, []);
      if (rows.length < batchSize) ended = true;
      return rows;
    },
    async close() {
      if (closed) return true;
      closed = true;
      // The stream's own transaction ends next, and with it the cursor: no round trip for CLOSE.
      if (owned) return true;
      await executor.query(`CLOSE ${name}`, []);
      return true;
    },
  };
}
