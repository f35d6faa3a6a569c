import type { RowCursor } from "@dataflow/sql-core";
import type { DriverConnection } from "./pool.js";

/** Rows an early close of the stream's own connection reads and discards before it gives up and has the connection destroyed. */
const DRAIN_LIMIT = 10_000;

/** mysql2's connection flow control (not in the adapter's `DriverConnection` slice). */
interface Pausable {
  pause(): void;
  resume(): void;
}

interface RowEvents {
  on(event: "result", listener: (row: Record<string, unknown>) => void): RowEvents;
  on(event: "error", listener: (error: Error) => void): RowEvents;
  on(event: "end", listener: () => void): RowEvents;
}

/**
 * A streaming read of one result with mysql2: rows arrive as events, and the socket is paused once
 * `batchSize` rows are buffered, so the server is held back (TCP backpressure) until the next read.
 * The statement uses the same protocol as the adapter's other reads (binary when `prepared`), so
 * rows have the same driver types.
 *
 * A result cannot be abandoned halfway on a MySQL connection: closing early reads the rest and
 * discards it. On a connection of the caller's transaction it reads to the end (destroying the
 * connection would lose the transaction); on the stream's own connection at most `DRAIN_LIMIT`
 * rows, then it reports the connection as not reusable and the caller destroys it (the server
 * then ends the statement).
 */
export function openMysqlCursor(
  connection: DriverConnection,
  text: string,
  params: readonly unknown[],
  prepared: boolean,
  options: { batchSize: number; owned: boolean },
): RowCursor {
  const flow = connection as DriverConnection & Pausable;
  const { batchSize, owned } = options;
  const command = (
    params.length === 0
      ? connection.query(text, undefined, undefined as never)
      : prepared
        ? (connection as unknown as { execute(sql: string, values: readonly unknown[]): unknown }).execute(text, params)
        : (connection as unknown as { query(sql: string, values: readonly unknown[]): unknown }).query(text, params)
  ) as RowEvents;
  let buffer: Record<string, unknown>[] = [];
  let ended = false;
  let failure: Error | undefined;
  let paused = false;
  let discard = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  command.on("result", (row) => {
    if (discard) return;
    buffer.push(row);
    if (buffer.length >= batchSize && !paused) {
      paused = true;
      flow.pause();
    }
    if (buffer.length >= batchSize) notify();
  });
  command.on("error", (error) => {
    failure = error;
    ended = true;
    notify();
  });
  command.on("end", () => {
    ended = true;
    notify();
  });
  const resume = () => {
    if (paused) {
      paused = false;
      flow.resume();
    }
  };
  return {
    async read() {
      while (buffer.length < batchSize && !ended) {
        const arrived = new Promise<void>((resolve) => (wake = resolve));
        resume();
        await arrived;
      }
      if (failure) throw failure;
      const batch = buffer;
      buffer = [];
      return batch;
    },
    async close() {
      buffer = [];
      if (ended) return failure === undefined;
      // Reading on to the end keeps the connection; on our own connection only while the rest is short.
      let budget = owned ? DRAIN_LIMIT : Infinity;
      discard = true;
      const done = new Promise<void>((resolve) => (wake = resolve));
      command.on("result", () => {
        if (--budget === 0 && !ended) {
          paused = true;
          flow.pause();
          notify();
        }
      });
      resume();
      await done;
      return ended && failure === undefined;
    },
  };
}
