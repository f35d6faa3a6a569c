import { AbortError, TransactionError } from "@dataflow/kernel/plugin";
import type { QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import { openMysqlCursor } from "./cursor.js";
import { ER, isConnectionFailure } from "./errors.js";
import type { DriverError } from "./errors.js";
import type { DriverConnection, StatementResult } from "./pool.js";

/** Runs a statement on a held connection, cancelling it with KILL QUERY when `signal` aborts. */
export type StatementRunner = (
  connection: DriverConnection,
  text: string,
  params: readonly unknown[],
  signal: AbortSignal | undefined,
) => Promise<StatementResult>;

const ROLLBACK = /^\s*ROLLBACK\s*$/i;

/**
 * One pooled connection held for a transaction. After a deadlock (1213), a lock wait timeout
 * (1205) or a cancelled statement, InnoDB has rolled back all or part of the transaction, so
 * every further statement except ROLLBACK is refused: a caller that carries on and commits
 * cannot persist half a transaction.
 */
export class MysqlSession implements SqlConnection {
  private mustRollback: string | undefined;
  private broken = false;
  private released = false;

  // #private: a mysql2 connection carries the password in its config.
  readonly #connection: DriverConnection;

  constructor(
    connection: DriverConnection,
    private readonly runner: StatementRunner,
  ) {
    this.#connection = connection;
  }

  get threadId(): number {
    return this.#connection.threadId;
  }

  query(text: string, params: readonly unknown[]): Promise<QueryResult> {
    return this.run(text, params, undefined);
  }

  /** This session as an executor whose statements `signal` cancels. */
  withSignal(signal: AbortSignal): SqlExecutor {
    return { query: (text, params) => this.run(text, params, signal) };
  }

  async run(text: string, params: readonly unknown[], signal: AbortSignal | undefined): Promise<StatementResult> {
    const rollback = ROLLBACK.test(text);
    if (this.mustRollback && !rollback) {
      throw new TransactionError(`The transaction must be rolled back: ${this.mustRollback}`, {
        retryable: true,
        fix: "Roll back the whole transaction and retry it",
      });
    }
    try {
      const result = await this.runner(this.#connection, text, params, signal);
      if (rollback) this.mustRollback = undefined;
      return result;
    } catch (error) {
      const errno = (error as DriverError).errno;
      if (errno === ER.LOCK_DEADLOCK) this.mustRollback = "a deadlock rolled it back";
      else if (errno === ER.LOCK_WAIT_TIMEOUT) this.mustRollback = "a lock wait timeout rolled back one of its statements";
      else if (error instanceof AbortError) {
        this.mustRollback = "one of its statements was cancelled";
        this.broken = true;
      } else if (isConnectionFailure(error)) this.broken = true;
      throw error;
    }
  }

  /** A streaming read on this connection (`db.stream()`, see cursor.ts). */
  cursor(text: string, params: readonly unknown[], prepared: boolean, options: { batchSize: number; owned: boolean }): RowCursor {
    if (this.mustRollback) {
      throw new TransactionError(`The transaction must be rolled back: ${this.mustRollback}`, {
        retryable: true,
        fix: "Roll back the whole transaction and retry it",
      });
    }
    return openMysqlCursor(this.#connection, text, params, prepared, options);
  }

  release(broken?: boolean): void {
    if (this.released) return;
    this.released = true;
    if (broken || this.broken) this.#connection.destroy();
    else this.#connection.release();
  }
}
