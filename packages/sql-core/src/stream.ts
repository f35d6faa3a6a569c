import type { DataFlowError, ListOperation, Model, NodeContext, ProgressReporter, RowData, StreamRequest } from "@dataflow/kernel/plugin";
import { AbortError, DataFlowError as DataFlowErrorClass, PluginError, TransactionError, progressFor } from "@dataflow/kernel/plugin";
import type { Dialect, TransactionOptions } from "./dialect.js";
import { withRegexField } from "./failures.js";
import { listRows } from "./statements.js";

type RawRow = Record<string, unknown>;

/** A driver-level cursor over one SELECT on a held connection. */
export interface RowCursor {
  /** The next batch (at most the cursor's batch size) of raw rows; an empty array once the result is exhausted. */
  read(): Promise<RawRow[]>;
  /**
   * Ends the statement (early or after the last batch). Resolves false when the connection cannot
   * be reused afterwards (the caller then releases it as broken).
   */
  close(): Promise<boolean>;
}

export interface CursorOptions {
  readonly batchSize: number;
  /** True when the stream opened the connection's transaction itself (nobody else uses the connection). */
  readonly owned: boolean;
}

interface StreamExecutor {
  query(text: string, params: readonly unknown[]): Promise<unknown>;
}

interface StreamTransaction {
  readonly executor: StreamExecutor;
}

interface OwnTransaction extends StreamTransaction {
  readonly connection: StreamExecutor & { release(broken?: boolean): void };
}

/** What streaming needs of a SQL adapter (sql-core's `DatabaseAdapter` has all of it). */
export interface StreamingAdapter {
  readonly databaseType: string;
  readonly dialect: Dialect;
  transactionFor(ctx: NodeContext | undefined): StreamTransaction | undefined;
  begin(options?: TransactionOptions): Promise<OwnTransaction>;
  commit(tx: OwnTransaction): Promise<void>;
  rollback(tx: OwnTransaction): Promise<void>;
  mapError(error: unknown, model?: Model): DataFlowError;
  /** Counts a failure by its error class (`stats().errors`). */
  recordError?(error: unknown): void;
  /** Opens a cursor on `executor`, a connection inside a transaction that the caller holds until `close()`. */
  openCursor?(executor: StreamExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor>;
}

/** The SELECT of a streamed List (List's own statement, without limit, offset or cursor) and its row decoder. */
export function compileStream(dialect: Dialect, op: ListOperation): { text: string; values: unknown[]; decode: (row: RawRow) => RowData } {
  const { text, params, decode } = listRows(dialect, { ...op, limit: undefined, offset: undefined, after: undefined });
  return { text, values: params, decode };
}

/**
 * Rows of a List operation read through a driver cursor, one batch per pull. Runs on the
 * transaction open for `ctx` (run, node, ambient `db.transaction()` or pinned), else in a
 * transaction of its own on a dedicated connection, released when the stream ends, is broken off
 * (`return()`) or its signal aborts.
 */
export function streamRows(adapter: StreamingAdapter, op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData> {
  if (typeof adapter.openCursor !== "function") {
    throw new PluginError(`The ${adapter.databaseType} adapter cannot stream rows (it has no openCursor)`, {
      fix: "Use a List node with limit and after (keyset pages)",
    });
  }
  const compiled = compileStream(adapter.dialect, op);
  // The transaction in force when the middleware handed over the operation (tenancy's rls setting lives in it).
  const captured = adapter.transactionFor(ctx);
  return { [Symbol.asyncIterator]: () => new RowStream(adapter, op, ctx, request, compiled, captured) };
}

class RowStream implements AsyncIterator<RowData> {
  private cursor: RowCursor | undefined;
  private own: OwnTransaction | undefined;
  private batch: RawRow[] = [];
  private at = 0;
  private exhausted = false;
  private finished: Promise<void> | undefined;
  /** The read or open in flight: closing waits for it (one statement at a time on a connection). */
  private busy: Promise<unknown> = Promise.resolve();
  private listening = false;
  private readonly onAbort = () => void this.finish(true).catch(() => undefined);
  /** Rows read from the database so far, and their reporter (undefined when nobody listens). */
  private rowsRead = 0;
  private readonly progress: ProgressReporter | undefined;

  constructor(
    private readonly adapter: StreamingAdapter,
    private readonly op: ListOperation,
    private readonly ctx: NodeContext,
    private readonly request: StreamRequest,
    private readonly compiled: ReturnType<typeof compileStream>,
    private readonly captured: StreamTransaction | undefined,
  ) {
    this.progress = progressFor(ctx, "List", op.model.name);
  }

  private aborted(): AbortError {
    return new AbortError("The stream was aborted", { cause: this.ctx.signal.reason });
  }

  private fail(error: unknown): DataFlowError {
    const mapped = withRegexField(error instanceof DataFlowErrorClass ? error : this.adapter.mapError(error, this.op.model), this.op.where);
    this.adapter.recordError?.(mapped);
    return mapped;
  }

  private async open(): Promise<void> {
    const adapter = this.adapter;
    const current = adapter.transactionFor(this.ctx);
    if (this.captured !== undefined && current !== this.captured) {
      throw new TransactionError("The transaction this stream was opened in ended before its first row was read", {
        fix: "Iterate the stream inside the db.transaction() callback (tenancy 'rls' needs one: stream inside db.transaction())",
      });
    }
    let executor: StreamExecutor;
    if (current) executor = current.executor;
    else executor = (this.own = await adapter.begin({})).connection;
    try {
      this.cursor = await adapter.openCursor!(executor, this.compiled.text, this.compiled.values, {
        batchSize: this.request.batchSize,
        owned: this.own !== undefined,
      });
    } catch (error) {
      const own = this.own;
      this.own = undefined;
      if (own) await adapter.rollback(own);
      throw error;
    }
  }

  /** `work`, or an AbortError as soon as the signal aborts (the work goes on; `finish` waits for it and cleans up). */
  private untilAborted<T>(work: Promise<T>): Promise<T> {
    const signal = this.ctx.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.aborted());
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  next(): Promise<IteratorResult<RowData>> {
    // A row of the current batch: no async machinery (one resolved promise per row).
    if (this.at < this.batch.length && this.finished === undefined && !this.ctx.signal.aborted) {
      const raw = this.batch[this.at]!;
      this.batch[this.at++] = undefined as never;
      try {
        return Promise.resolve({ done: false, value: this.compiled.decode(raw) });
      } catch (error) {
        return this.finish(true).then(() => Promise.reject(this.fail(error)));
      }
    }
    return this.pull();
  }

  private async pull(): Promise<IteratorResult<RowData>> {
    if (this.finished) {
      await this.finished;
      if (this.ctx.signal.aborted && !this.exhausted) throw this.aborted();
      return { done: true, value: undefined };
    }
    if (this.ctx.signal.aborted) {
      await this.finish(true);
      throw this.aborted();
    }
    if (this.at === this.batch.length) {
      // From the first pull on, an abort gives the connection back even if nobody pulls again.
      if (!this.listening) {
        this.listening = true;
        this.ctx.signal.addEventListener("abort", this.onAbort, { once: true });
      }
      try {
        const pending = (async () => {
          if (!this.cursor) await this.open();
          return this.cursor!.read();
        })();
        this.busy = pending.catch(() => undefined);
        this.batch = await this.untilAborted(pending);
        this.at = 0;
        if (this.progress) {
          this.rowsRead += this.batch.length;
          this.progress.report(this.rowsRead, this.batch.length === 0);
        }
      } catch (error) {
        if (error instanceof AbortError && this.ctx.signal.aborted) {
          // Waiting for a connection or a batch: reject now; the connection is released once the wait ends.
          void this.finish(true).catch(() => undefined);
          throw error;
        }
        await this.finish(true, true).catch(() => undefined);
        throw this.fail(error);
      }
      if (this.ctx.signal.aborted) {
        await this.finish(true);
        throw this.aborted();
      }
      if (this.batch.length === 0) {
        this.exhausted = true;
        await this.finish(false);
        return { done: true, value: undefined };
      }
    }
    const raw = this.batch[this.at]!;
    this.batch[this.at++] = undefined as never;
    return { done: false, value: this.compiled.decode(raw) };
  }

  async return(): Promise<IteratorResult<RowData>> {
    await this.finish(true);
    return { done: true, value: undefined };
  }

  /** Closes the cursor and gives the connection back, once. `failed`: after a driver error, the connection is not trusted. */
  private finish(early: boolean, failed = false): Promise<void> {
    this.finished ??= (async () => {
      this.ctx.signal.removeEventListener("abort", this.onAbort);
      await this.busy;
      this.batch = [];
      const cursor = this.cursor;
      const own = this.own;
      this.cursor = undefined;
      this.own = undefined;
      let reusable = !failed;
      if (cursor) {
        try {
          reusable = (await cursor.close()) && reusable;
        } catch {
          reusable = false;
        }
      }
      if (!own) {
        if (!reusable && early) this.ctx.logger.warn({ model: this.op.model.name }, "a stream inside a transaction ended on a connection in an unknown state");
        return;
      }
      if (reusable) await this.adapter.commit(own);
      else own.connection.release(true);
    })();
    return this.finished;
  }
}
