/** What a SQL driver hands back, and the two shapes of "something that runs SQL". */

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
  /** Rows affected (writes) or returned (reads). */
  readonly rowCount: number;
  readonly insertId?: number | bigint | undefined;
}

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface SqlExecutor {
  query(text: string, params: readonly unknown[]): Promise<QueryResult>;
  /**
   * Optional, for synchronous drivers: runs the statement now and returns its result, or returns
   * undefined (having done nothing) when it cannot run without waiting; then `query` runs it.
   */
  queryNow?(text: string, params: readonly unknown[], slot?: PreparedSlot): QueryResult | undefined;
}

/**
 * One object per compiled statement text (sql-core hands the same one on every run of the text's
 * shape): a synchronous driver may keep its prepared statement here, tagged with the connection it
 * belongs to (`owner`), so a run binds into it without looking the text up. A driver must check
 * `owner` before using `handle`: a statement of one (dialect, model) may run on several connections.
 */
export interface PreparedSlot {
  owner: unknown;
  handle: unknown;
}

/** One connection taken out of the pool for a transaction. */
export interface SqlConnection extends SqlExecutor {
  /** `broken`: the connection is in an unknown state and must be destroyed, not reused. */
  release(broken?: boolean): void;
  /** The same connection, with statements cancelled when `signal` aborts (drivers that can cancel). */
  withSignal?(signal: AbortSignal): SqlExecutor;
}
