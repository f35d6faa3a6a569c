import { AsyncLocalStorage } from "node:async_hooks";
import type {
  BulkCreateOperation, BulkUpsertOperation, ListOperation, OperationResults, RowData, StreamRequest, UpsertOperation,
  AdapterCapabilities, AdapterOptions, BaseAdapter, DataFlowError, HealthStatus, Logger, Model, NodeContext,
} from "@dataflow/kernel/plugin";
import {
  AbortError, ConnectionError, TimeoutError, TransactionError, ValidationError, channels, checkTransactionOptions, silentLogger,
} from "@dataflow/kernel/plugin";
import type { Dialect, TransactionOptions } from "./dialect.js";
import { ensureTables } from "./ddl.js";
import { multiRowBulkWrite, upsertRow } from "./execute.js";
import type { CursorOptions, RowCursor } from "./stream.js";
import { streamRows } from "./stream.js";

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
  /** Rows affected (writes) or returned (reads). */
  readonly rowCount: number;
  readonly insertId?: number | bigint | undefined;
}

/** Something that runs SQL: the pool, or one connection inside a transaction. */
export interface SqlExecutor {
  query(text: string, params: readonly unknown[]): Promise<QueryResult>;
}

/** One connection taken out of the pool for a transaction. */
export interface SqlConnection extends SqlExecutor {
  /** `broken`: the connection is in an unknown state and must be destroyed, not reused. */
  release(broken?: boolean): void;
}

/** An open transaction of one adapter. */
export interface TransactionHandle {
  readonly adapter: DatabaseAdapter;
  readonly executor: SqlExecutor;
  readonly options: TransactionOptions;
  /** Next savepoint number. */
  savepoints: number;
}

/** Transactions bound to the current async context by `adapter.transaction()` / `db.transaction()`. */
const ambient = new AsyncLocalStorage<ReadonlyMap<DatabaseAdapter, TransactionHandle>>();

/**
 * Transactions a node opened for its own work (bulk writes, upserts, single-row changes by filter),
 * keyed by the node's context. Binding them here rather than with AsyncLocalStorage keeps Node's
 * promise hooks off: once an AsyncLocalStorage runs, every await in the process gets slower.
 */
const nodeScoped = new WeakMap<NodeContext, Map<DatabaseAdapter, TransactionHandle>>();

/** Key of the per-run map `DatabaseAdapter -> TransactionHandle` in `RunContext.state` (used by @dataflow/transactions). */
export const RUN_TRANSACTIONS = Symbol.for("@dataflow/sql-core:run-transactions");

export function runTransactions(ctx: NodeContext | undefined): Map<DatabaseAdapter, TransactionHandle> | undefined {
  return ctx?.run.state.get(RUN_TRANSACTIONS) as Map<DatabaseAdapter, TransactionHandle> | undefined;
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
 * Base of the SQL adapters. Subclasses provide the driver: `runQuery` on the pool, `acquire` for a
 * dedicated connection, and `mapError`. Transactions, savepoints, schema work and context
 * propagation live here, written once.
 */
export abstract class DatabaseAdapter implements BaseAdapter, SqlExecutor {
  readonly adapterType = "sql" as const;
  abstract readonly databaseType: string;
  abstract readonly dialect: Dialect;
  abstract readonly capabilities: AdapterCapabilities;
  protected readonly logger: Logger;
  /** A transaction every query of this adapter joins (test isolation). */
  private pinned: TransactionHandle | undefined;

  // #private: adapter options may carry credentials (e.g. `pg: { password }`, TLS keys); inspection must not reach them.
  readonly #adapterOptions: AdapterOptions;

  constructor(adapterOptions: AdapterOptions = {}) {
    this.#adapterOptions = adapterOptions;
    this.logger = adapterOptions.logger ?? silentLogger;
  }

  /** The options the adapter was created with. */
  protected get adapterOptions(): AdapterOptions {
    return this.#adapterOptions;
  }

  abstract connect(): Promise<void>;
  abstract close(): Promise<void>;
  /** Runs one statement on the pool (any free connection). */
  protected abstract runQuery(text: string, params: readonly unknown[]): Promise<QueryResult>;
  /** Takes one connection out of the pool, exclusively. */
  abstract acquire(): Promise<SqlConnection>;
  /** Driver error -> DataFlow error. `model` helps name fields of constraints. */
  abstract mapError(error: unknown, model?: Model): DataFlowError;

  async healthCheck(): Promise<HealthStatus> {
    const start = performance.now();
    try {
      await this.query("SELECT 1", []);
      return { ok: true, latencyMs: performance.now() - start };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - start, error: (error as Error).message };
    }
  }

  /** BulkCreate/BulkUpsert. Default: batched multi-row INSERT in one transaction; override for a faster path. */
  bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation): Promise<{ inserted: number; skipped: number; updated: number }> {
    return multiRowBulkWrite(this, ctx, op);
  }

  /** Upsert of one row. Default: the dialect's `upsertStrategy`; override for a database-specific path. */
  upsert(ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
    return upsertRow(this, ctx, op);
  }

  /**
   * True when this adapter's own `bulkWrite` / `upsert` overrides name tables with `tableReference`,
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
    if (!this.separateSchemaConnection) return ensureTables(this, models, options);
    return this.withSchemaConnection((exec) => ensureTables(this, models, options, exec));
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

  /** The executor a node must use: its run's transaction, the ambient one, the pinned one, or the pool. */
  executorFor(ctx: NodeContext | undefined): SqlExecutor {
    const tx = this.transactionFor(ctx);
    if (tx) return tx.executor;
    return this.poolExecutor;
  }

  transactionFor(ctx: NodeContext | undefined): TransactionHandle | undefined {
    const tx = (ctx && nodeScoped.get(ctx)?.get(this)) ?? runTransactions(ctx)?.get(this) ?? ambient.getStore()?.get(this) ?? this.pinned;
    if (tx === undefined && ctx?.run.options.transaction === true) {
      // Fail closed: without a run transaction this node's writes would escape the atomic run.
      throw new TransactionError(`This run asked for transaction: true, but no transaction is open on this ${this.databaseType} database`, {
        fix: "Add the @dataflow/transactions plugin to the DataFlow whose nodes the run uses (plugins: [transactions()])",
      });
    }
    return tx;
  }

  private readonly poolExecutor: SqlExecutor = {
    query: (text, params) => {
      if (!channels.query.hasSubscribers) return this.runQuery(text, params);
      return channels.query.tracePromise(() => this.runQuery(text, params), { system: this.dialect.name, operation: text.slice(0, text.indexOf(" ")), text });
    },
  };

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
      result = ctx ? await this.inNodeScope(ctx, tx, fn) : await this.inAmbientScope(tx, fn);
    } catch (error) {
      await this.rollback(tx);
      throw error;
    }
    await this.commit(tx);
    return result;
  }

  private async inNodeScope<T>(ctx: NodeContext, tx: TransactionHandle, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let scope = nodeScoped.get(ctx);
    if (!scope) nodeScoped.set(ctx, (scope = new Map()));
    scope.set(this, tx);
    try {
      return await fn(tx.executor);
    } finally {
      scope.delete(this);
    }
  }

  private inAmbientScope<T>(tx: TransactionHandle, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const scope = new Map(ambient.getStore() ?? []);
    scope.set(this, tx);
    return ambient.run(scope, () => fn(tx.executor));
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
    this.pinned = tx;
  }

  unpin(): void {
    this.pinned = undefined;
  }
}
