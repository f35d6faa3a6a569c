import type { BaseAdapter, DataFlowHandle, NodeContext, RunContext, TransactionOptions } from "@dataflow/kernel/plugin";

/** An open transaction as the plugin sees it. */
export interface BackendTransaction {
  readonly options: TransactionOptions;
}

/**
 * How the plugin drives one adapter's transactions. Chosen by what the adapter declares, never by
 * its name: a sql-core `DatabaseAdapter` (connections, with savepoints), or the kernel's
 * `runTransactions` contract (sessions, e.g. MongoDB: no savepoints).
 */
export interface TransactionBackend<T extends BackendTransaction = BackendTransaction> {
  readonly adapter: BaseAdapter;
  /** False: a level nested in an open transaction (scope, savepoint) is refused. */
  readonly savepoints: boolean;
  /** Prepares what must exist before a transaction opens (DDL never runs inside one). */
  prepare(dataflow: DataFlowHandle): Promise<void>;
  /** The transaction the caller runs in (`db.transaction()`, the TDD harness), which a run joins. */
  joined(): T | undefined;
  begin(options: TransactionOptions): Promise<T>;
  commit(tx: T): Promise<void>;
  rollback(tx: T): Promise<void>;
  /** Binds `tx` as the run's transaction on this adapter (undefined: unbinds). */
  bind(run: RunContext, tx: T | undefined): void;
  /** True when a write of node `ctx` on this adapter runs in a transaction. */
  inTransaction(ctx: NodeContext): boolean;
  /** A run that joined `tx` without a savepoint failed: the whole transaction must roll back. */
  abandon(tx: T, cause: unknown): void;
  /** Savepoints (only when `savepoints`): a fresh DataFlow-named one, and named ones. */
  makeSavepoint(tx: T): Promise<string>;
  savepoint(tx: T, name: string): Promise<void>;
  releaseSavepoint(tx: T, name: string): Promise<void>;
  rollbackToSavepoint(tx: T, name: string): Promise<void>;
}

/**
 * What must be prepared before a transaction opens. DDL never runs inside one (MySQL would commit
 * it implicitly; SQLite would wait for the very connection it holds). An adapter with a separate
 * schema connection prepares each model on first use, there, without waiting for the pool: then
 * nothing is prepared up front, so a run prepares only the models it uses. Otherwise every
 * declared model is prepared now, and a model that cannot be fails only the operations that use it.
 */
export async function prepareDeclaredModels(dataflow: DataFlowHandle, adapter: BaseAdapter): Promise<void> {
  if (adapter.separateSchemaConnection === true) return;
  const pending = [...dataflow.models.values()].filter((m) => !dataflow.isReady(m));
  await Promise.allSettled(pending.map((m) => dataflow.ensureModel(m)));
}
