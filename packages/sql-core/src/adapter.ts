import type {
  AdapterStats,
  RawSqlQuery,
  BulkCreateOperation,
  BulkUpsertOperation,
  ListOperation,
  OperationResults,
  RowData,
  StreamRequest,
  UpsertOperation,
  AdapterCapabilities,
  AdapterOptions,
  BaseAdapter,
  DataFlowError,
  DiscoveredSchema,
  HealthStatus,
  Logger,
  Model,
  NodeContext,
  ProgressReporter,
} from "@dataflow/kernel/plugin";
import {
  AbortError,
  ConnectionError,
  TimeoutError,
  ValidationError,
  channels,
  checkTransactionOptions,
  describeError,
  silentLogger,
} from "@dataflow/kernel/plugin";
import { compileRawSql } from "./raw-sql.js";
import type { Dialect, TransactionOptions } from "./dialect.js";
import type { PreparedSlot, QueryResult, SqlConnection, SqlExecutor } from "./driver.js";
import { ensureTables } from "./ddl.js";
import { discoverSchema } from "./discover.js";
import type { CursorOptions, RowCursor } from "./stream.js";
import { streamRows } from "./stream.js";
import type { SessionOwner, SessionTransaction } from "./session.js";
import * as session from "./session.js";

export type { PreparedSlot, QueryResult, SqlConnection, SqlExecutor } from "./driver.js";

/** An open transaction of one adapter. */
export interface TransactionHandle extends SessionTransaction {
  readonly adapter: DatabaseAdapter;
}

/** Key of the per-run map `DatabaseAdapter -> TransactionHandle` in `RunContext.state` (used by @dataflow/transactions). */
export const RUN_TRANSACTIONS = session.RUN_TRANSACTIONS;

export function runTransactions(ctx: NodeContext | undefined): Map<DatabaseAdapter, TransactionHandle> | undefined {
  return session.runTransactions(ctx) as Map<DatabaseAdapter, TransactionHandle> | undefined;
}

/** Bulk counts of BulkCreate / BulkUpsert. */
export interface BulkTotals {
  inserted: number;
  skipped: number;
  updated: number;
}

/** The statement's first keyword (`SELECT`, `INSERT`, ...): OpenTelemetry's `db.operation.name`. */
function operationOf(text: string): string {
  const start = text.length - text.trimStart().length;
  const end = text.slice(start).search(/\s/);
  return (end < 0 ? text.slice(start) : text.slice(start, start + end)).toUpperCase();
}

/** A failure after which a connection's state is unknown. */
function isConnectionLost(error: DataFlowError): boolean {
  return error instanceof ConnectionError || error instanceof TimeoutError || error instanceof AbortError;
}

/** A savepoint runs with its transaction's settings; asking for others is an error, not a silent no-op. */
function assertSameSettings(requested: TransactionOptions, current: TransactionOptions): void {
  if (requested.isolationLevel !== undefined && requested.isolationLevel !== current.isolationLevel) {
    throw new ValidationError("A nested transaction is a savepoint and cannot change isolationLevel", { field: "isolationLevel" });
  }
  if (requested.readOnly !== undefined && requested.readOnly !== (current.readOnly ?? false)) {
    throw new ValidationError("A nested transaction is a savepoint and cannot change readOnly", { field: "readOnly" });
  }
}

/**
 * Base of the SQL adapters. Subclasses provide the driver only: `connect`/`close`, `runQuery` on
 * the pool, `acquire` for a dedicated connection, and `mapError`; optionally faster write
 * strategies (`bulkWrite`, `upsert`). Which connection a statement uses is the session module's
 * decision (`session.ts`); transactions, savepoints and schema work live here, written once.
 */
export abstract class DatabaseAdapter implements BaseAdapter, SqlExecutor, SessionOwner {
  readonly adapterType = "sql" as const;
  abstract readonly databaseType: string;
  abstract readonly dialect: Dialect;
  abstract readonly capabilities: AdapterCapabilities;
  /**
   * True when the driver cancels a running statement on abort (its `runQuery` or a connection's
   * `withSignal` uses the signal). Only then does the session read a node's signal: for a multi-node
   * run that read creates the run's AbortController.
   */
  readonly cancelsStatements: boolean = false;
  protected readonly logger: Logger;
  /** Statements slower than this are logged (only with a logger); undefined: statements are not timed. */
  protected readonly slowQueryMs: number | undefined;
  /** Statements sent since the adapter was created. */
  protected statementsSent = 0;
  readonly #errors: Record<string, number> = Object.create(null);
  #lastExhaustedWarning = -Infinity;

  // #private: adapter options may carry credentials (e.g. `pg: { password }`, TLS keys); inspection must not reach them.
  readonly #adapterOptions: AdapterOptions;

  constructor(adapterOptions: AdapterOptions = {}) {
    this.#adapterOptions = adapterOptions;
    this.logger = adapterOptions.logger ?? silentLogger;
    const slow = adapterOptions.slowQueryMs;
    this.slowQueryMs = this.logger !== silentLogger && typeof slow === "number" && slow >= 0 ? slow : undefined;
  }

  /**
   * True when a statement must go through `observed` (someone traces statements, or slow ones are
   * logged). Drivers check it at their one place that sends statements; otherwise they only count.
   */
  protected get observing(): boolean {
    return this.slowQueryMs !== undefined || channels.query.hasSubscribers;
  }

  /** Sends a statement through `call`, traced on `dataflow:query` and timed against `slowQueryMs` (the driver counts it). */
  protected observed<T>(text: string, paramCount: number, call: () => Promise<T>): Promise<T> {
    const slowMs = this.slowQueryMs;
    const start = slowMs === undefined ? 0 : performance.now();
    const pending = channels.query.hasSubscribers
      ? channels.query.tracePromise(call, { system: this.dialect.name, operation: operationOf(text), text, paramCount })
      : call();
    if (slowMs === undefined) return pending;
    const check = () => {
      const durationMs = performance.now() - start;
      if (durationMs >= slowMs) {
        this.logger.warn(
          { system: this.dialect.name, durationMs: Math.round(durationMs * 1000) / 1000, sql: text, paramCount, slowQueryMs: slowMs },
          "slow statement",
        );
      }
    };
    return pending.then(
      (result) => {
        check();
        return result;
      },
      (error: unknown) => {
        check();
        throw error;
      },
    );
  }

  /** Counts a failure by its typed error class for `stats()`. */
  recordError(error: unknown): void {
    const name = error instanceof Error ? error.name : "Error";
    this.#errors[name] = (this.#errors[name] ?? 0) + 1;
  }

  /**
   * A caller has to wait for a connection: every one is in use. Logged at warn at most every 10 s
   * (with the pool figures), so a saturated pool does not flood the log.
   */
  protected poolExhausted(max: number): void {
    if (this.logger === silentLogger) return;
    const now = performance.now();
    if (now - this.#lastExhaustedWarning < 10_000) return;
    this.#lastExhaustedWarning = now;
    const { total, idle, waiting } = this.stats().connections;
    this.logger.warn({ system: this.dialect.name, max, total, idle, waiting }, "connection pool exhausted: a caller waits for a free connection");
  }

  /** Connections open (`total`), not handed out (`idle`), and callers waiting for one. */
  protected connectionFigures(): { total: number; idle: number; waiting: number } {
    const status = this.poolStatus?.() ?? { total: 0, idle: 0 };
    return { total: status.total, idle: status.idle, waiting: 0 };
  }

  stats(): AdapterStats {
    return { connections: this.connectionFigures(), statements: this.statementsSent, errors: { ...this.#errors } };
  }

  /**
   * \`db.sql\`: one raw statement, values bound with the dialect's placeholders, identifiers quoted;
   * run where the session puts the node's statements (its run's transaction), else the pool.
   */
  async rawSql(query: RawSqlQuery, ctx: NodeContext | undefined): Promise<Record<string, unknown>[]> {
    const { text, params } = compileRawSql(this.dialect, query);
    try {
      return (await this.executorFor(ctx).query(text, params)).rows;
    } catch (error) {
      const mapped = this.mapError(error);
      this.recordError(mapped);
      throw mapped;
    }
  }

  /** The options the adapter was created with. */
  protected get adapterOptions(): AdapterOptions {
    return this.#adapterOptions;
  }

  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;
  /** Runs one statement on the pool (any free connection); when `signal` aborts, the statement is cancelled if the driver can. */
  protected abstract runQuery(text: string, params: readonly unknown[], signal?: AbortSignal): Promise<QueryResult>;
  /**
   * Optional, for synchronous drivers: runs one statement on the pool now, or returns undefined
   * (having done nothing) when it would have to wait for the connection.
   */
  protected runQueryNow?(text: string, params: readonly unknown[], slot?: PreparedSlot): QueryResult | undefined;
  /** Takes one connection out of the pool, exclusively. */
  abstract acquire(): Promise<SqlConnection>;
  /** Driver error -> DataFlow error. `model` and `operation` (the operation's kind, e.g. `Delete`) help name fields of constraints. */
  abstract mapError(error: unknown, model?: Model, operation?: string): DataFlowError;

  async healthCheck(): Promise<HealthStatus> {
    const start = performance.now();
    try {
      await this.query("SELECT 1", []);
      return { ok: true, latencyMs: performance.now() - start };
    } catch (error) {
      const mapped = this.mapError(error);
      this.recordError(mapped);
      this.logger.warn({ system: this.dialect.name, error: describeError(mapped) }, "health check failed");
      return { ok: false, latencyMs: performance.now() - start, error: mapped.message };
    }
  }

  /** Optional strategy: a faster BulkCreate/BulkUpsert. Without it, sql-core's batched multi-row INSERT in one transaction. */
  bulkWrite?(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation, progress?: ProgressReporter): Promise<BulkTotals>;

  /** Optional strategy: a database-specific single-row Upsert. Without it, the dialect's `upsertStrategy`. */
  upsert?(ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]>;

  /** Optional strategy: runs after a write of explicit values into an auto-increment primary key. */
  afterExplicitKeys?(ctx: NodeContext, model: Model): Promise<void>;

  /**
   * True when this adapter's own `bulkWrite` / `upsert` strategies name tables with `tableReference`,
   * so they serve models placed in another schema (`Model.inSchema`, e.g. a tenant's). While false,
   * operations on such models use sql-core's generic implementations, which always qualify.
   */
  qualifiesTables(): boolean {
    return false;
  }

  /**
   * Creates or migrates the models' tables. On an adapter with a separate schema connection the DDL
   * runs there (never in the caller's transaction, never waiting for the pool); otherwise it runs
   * through `query` (the pool, or the ambient/pinned transaction).
   */
  ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void> {
    if (!this.separateSchemaConnection) return ensureTables(this.dialect, this, models, options);
    return this.withSchemaConnection((exec) => ensureTables(this.dialect, exec, models, options));
  }

  /** `db.discoverSchema()`: the default schema's tables and views, read from the dialect's catalog. */
  discoverSchema(): Promise<DiscoveredSchema> {
    if (!this.separateSchemaConnection) return discoverSchema(this.dialect, this);
    return this.withSchemaConnection((exec) => discoverSchema(this.dialect, exec));
  }

  /**
   * True when `acquireSchemaConnection` opens a connection outside the pool. Then schema work
   * (`ensureSchema`, tenancy's DDL) never waits for a pooled connection, so preparing a model while
   * transactions hold every pooled connection cannot deadlock, and models may be prepared lazily,
   * on first use, inside a transaction. Adapters that cannot (SQLite's single connection) leave it false.
   */
  get separateSchemaConnection(): boolean {
    return false;
  }

  /** A connection for schema work. Default: one of the pool (override together with `separateSchemaConnection`). */
  protected acquireSchemaConnection(): Promise<SqlConnection> {
    return this.acquire();
  }

  private schemaQueue: Promise<unknown> = Promise.resolve();

  /**
   * Runs schema work (DDL, catalog reads, schema locks) on a connection of its own, one piece of
   * work at a time per adapter, so at most one schema connection is open. `work` must only use
   * the executor it gets (a nested call would wait for itself). A connection the work leaves in an
   * unknown state (a failure that is not a SQL error the server reported) is destroyed.
   */
  withSchemaConnection<T>(work: (exec: SqlConnection) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const connection = await this.acquireSchemaConnection();
      let broken = false;
      try {
        return await work(connection);
      } catch (error) {
        broken = isConnectionLost(this.mapError(error));
        throw error;
      } finally {
        connection.release(broken);
      }
    };
    const result = this.schemaQueue.then(run);
    this.schemaQueue = result.catch(() => undefined);
    return result;
  }

  /** Runs SQL on the pool, or on the pinned/ambient transaction when there is one. */
  query(text: string, params: readonly unknown[]): Promise<QueryResult> {
    return this.executorFor(undefined).query(text, params);
  }

  /** The executor a node must use: its own, its run's, the ambient or the pinned transaction, or the pool (see `session.ts`). */
  executorFor(ctx: NodeContext | undefined): SqlExecutor {
    return session.executorFor(this, ctx);
  }

  transactionFor(ctx: NodeContext | undefined): TransactionHandle | undefined {
    return session.transactionFor(this, ctx) as TransactionHandle | undefined;
  }

  // Drivers trace, time and count each statement where they send it (`observed`), so the executors only route.
  private readonly plainPool: SqlExecutor = {
    query: (text, params) => this.runQuery(text, params),
    // While statements are observed (traced or timed), every statement goes through `query`, which observes it.
    queryNow: (text, params, slot) => (this.runQueryNow === undefined || this.observing ? undefined : this.runQueryNow(text, params, slot)),
  };

  private readonly signalled = new WeakMap<AbortSignal, SqlExecutor>();

  /** The pool as an executor; with `signal`, its statements are cancelled when it aborts (for the session). */
  poolExecutor(signal: AbortSignal | undefined): SqlExecutor {
    if (!signal) return this.plainPool;
    let executor = this.signalled.get(signal);
    if (!executor) {
      executor = { query: (text, params) => this.runQuery(text, params, signal) };
      this.signalled.set(signal, executor);
    }
    return executor;
  }

  /** Opens a transaction on a dedicated connection. The caller must `commit` or `rollback` it. */
  async begin(options: TransactionOptions = {}): Promise<TransactionHandle & { connection: SqlConnection }> {
    options = checkTransactionOptions(options);
    const connection = await this.acquire();
    try {
      for (const statement of this.dialect.begin(options)) await connection.query(statement, []);
    } catch (error) {
      connection.release(true);
      throw this.mapError(error);
    }
    return { adapter: this, executor: connection, options, savepoints: 0, connection };
  }

  async commit(tx: TransactionHandle & { connection: SqlConnection }): Promise<void> {
    try {
      await tx.connection.query("COMMIT", []);
      tx.connection.release();
    } catch (error) {
      tx.connection.release(true);
      throw this.mapError(error);
    }
  }

  /** Rolls back; a connection that cannot roll back is destroyed, never reused. */
  async rollback(tx: TransactionHandle & { connection: SqlConnection }): Promise<void> {
    try {
      await tx.connection.query("ROLLBACK", []);
      tx.connection.release();
    } catch {
      tx.connection.release(true);
    }
  }

  /**
   * Runs `fn` atomically: in a new transaction, or in a savepoint when `ctx` (or the async context)
   * already has one. Queries made through this adapter inside `fn` join it.
   */
  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions = {}, ctx?: NodeContext): Promise<T> {
    const current = this.transactionFor(ctx);
    if (current) {
      assertSameSettings(options, current.options);
      return this.withSavepoint(current, fn);
    }
    const tx = await this.begin(options);
    let result: T;
    try {
      result = ctx ? await session.inNodeScope(this, ctx, tx, () => fn(tx.executor)) : await session.inAmbientScope(this, tx, () => fn(tx.executor));
    } catch (error) {
      await this.rollback(tx);
      throw error;
    }
    await this.commit(tx);
    return result;
  }

  /** Runs `fn` inside a savepoint of an open transaction; a failure rolls back to it and rethrows. */
  async withSavepoint<T>(tx: TransactionHandle, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const name = `df_sp_${++tx.savepoints}`;
    const d = this.dialect;
    await tx.executor.query(d.savepoint(name), []);
    try {
      const result = await fn(tx.executor);
      await tx.executor.query(d.releaseSavepoint(name), []);
      return result;
    } catch (error) {
      try {
        await tx.executor.query(d.rollbackToSavepoint(name), []);
        await tx.executor.query(d.releaseSavepoint(name), []);
      } catch {
        // The transaction itself is broken; its owner rolls it back.
      }
      throw error;
    }
  }

  // ---- streaming (logic in stream.ts) ----

  /**
   * Optional driver part of `db.stream()`: a cursor over `text` on `executor`, a connection inside a
   * transaction that the stream holds until `close()`. Without it the adapter cannot stream.
   */
  openCursor?(executor: SqlExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor>;

  /** Optional: connections of the pool, all (`total`) and not handed out (`idle`); for leak checks and monitoring. */
  poolStatus?(): { total: number; idle: number };

  /** The rows of a List, read batch by batch as the consumer pulls (see `streamRows`). */
  stream(op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData> {
    return streamRows(this, op, ctx, request);
  }

  // ---- end streaming ----

  /** Makes every query of this adapter join `tx` until `unpin()` (per-test isolation). */
  pin(tx: TransactionHandle): void {
    session.pin(this, tx);
  }

  unpin(): void {
    session.pin(this, undefined);
  }
}
