import { AsyncLocalStorage } from "node:async_hooks";
import type { NodeContext, RunContext } from "@dataflow/kernel/plugin";
import { TransactionError, neverAborts } from "@dataflow/kernel/plugin";
import type { TransactionOptions } from "./dialect.js";
import type { SqlConnection, SqlExecutor } from "./driver.js";

/**
 * Which connection runs a statement, decided here and nowhere else: the node's own transaction,
 * the run's transaction (@dataflow/transactions), the ambient one (`db.transaction()`), the pinned
 * one (test isolation), or else the pool. Every SQL path asks `executorFor` / `transactionFor`.
 */

/** An open transaction on one connection. */
export interface SessionTransaction {
  readonly executor: SqlExecutor;
  readonly options: TransactionOptions;
  /** Next savepoint number. */
  savepoints: number;
}

/** The adapter as the session sees it: a key for its transactions, and its pool. */
export interface SessionOwner {
  readonly databaseType: string;
  /** The driver cancels running statements: only then is a node's signal passed on. */
  readonly cancelsStatements: boolean;
  /** Runs statements on the pool; with a signal, a statement is cancelled when it aborts. */
  poolExecutor(signal: AbortSignal | undefined): SqlExecutor;
}

/** Key of the per-run map `adapter -> transaction` in `RunContext.state`. */
export const RUN_TRANSACTIONS = Symbol.for("@dataflow/sql-core:run-transactions");

type Bindings = Map<SessionOwner, SessionTransaction>;

/** Transactions bound to the current async context by `adapter.transaction()` / `db.transaction()`. */
const ambient = new AsyncLocalStorage<ReadonlyMap<SessionOwner, SessionTransaction>>();

/**
 * Transactions a node opened for its own work (bulk writes, upserts, single-row changes by filter),
 * keyed by the node's context. Binding them here rather than with AsyncLocalStorage keeps Node's
 * promise hooks off: once an AsyncLocalStorage runs, every await in the process gets slower.
 */
const nodeScoped = new WeakMap<NodeContext, Bindings>();

/** Transactions every query of an adapter joins (test isolation). */
const pinned = new WeakMap<SessionOwner, SessionTransaction>();

/**
 * Which of the lookups can find anything, so a statement outside every transaction pays none:
 * node scopes open right now, and whether an ambient or pinned transaction was ever bound (once
 * set these stay set: a continuation of an ambient scope keeps its store after the scope returns).
 */
let openNodeScopes = 0;
let ambientUsed = false;
let pinUsed = false;

export function runTransactions(ctx: NodeContext | undefined): Bindings | undefined {
  if (ctx === undefined) return undefined;
  const run = ctx.run;
  return (run.peekState ? run.peekState(RUN_TRANSACTIONS) : run.state.get(RUN_TRANSACTIONS)) as Bindings | undefined;
}

/** Binds `tx` as the run's transaction on `owner`'s database (undefined: unbinds it). */
export function bindRunTransaction(run: RunContext, owner: SessionOwner, tx: SessionTransaction | undefined): void {
  let map = run.state.get(RUN_TRANSACTIONS) as Bindings | undefined;
  if (tx === undefined) {
    map?.delete(owner);
    return;
  }
  if (!map) run.state.set(RUN_TRANSACTIONS, (map = new Map()));
  map.set(owner, tx);
}

export function pin(owner: SessionOwner, tx: SessionTransaction | undefined): void {
  if (tx) {
    pinUsed = true;
    pinned.set(owner, tx);
  } else pinned.delete(owner);
}

/** The transaction a statement of `owner` in `ctx` joins, or undefined for the pool. */
export function transactionFor(owner: SessionOwner, ctx: NodeContext | undefined): SessionTransaction | undefined {
  const tx =
    (openNodeScopes > 0 && ctx !== undefined ? nodeScoped.get(ctx)?.get(owner) : undefined) ??
    runTransactions(ctx)?.get(owner) ??
    (ambientUsed ? ambient.getStore()?.get(owner) : undefined) ??
    (pinUsed ? pinned.get(owner) : undefined);
  if (tx === undefined && ctx?.run.options.transaction === true) {
    // Fail closed: without a run transaction this node's writes would escape the atomic run.
    throw new TransactionError(`This run asked for transaction: true, but no transaction is open on this ${owner.databaseType} database`, {
      fix: "Add the @dataflow/transactions plugin to the DataFlow whose nodes the run uses (plugins: [transactions()])",
    });
  }
  return tx;
}

/** The executor a statement in `ctx` must use; statements are cancelled by the node's signal where the driver can. */
export function executorFor(owner: SessionOwner, ctx: NodeContext | undefined): SqlExecutor {
  const tx = transactionFor(owner, ctx);
  const signal = owner.cancelsStatements ? ctx?.signal : undefined;
  const live = signal && !neverAborts(signal) ? signal : undefined;
  if (!tx) return owner.poolExecutor(live);
  const connection = tx.executor as Partial<SqlConnection>;
  return live && typeof connection.withSignal === "function" ? connection.withSignal(live) : tx.executor;
}

/** Runs `fn` with `tx` bound to the node `ctx` (for its own multi-statement work). */
export async function inNodeScope<T>(owner: SessionOwner, ctx: NodeContext, tx: SessionTransaction, fn: () => Promise<T>): Promise<T> {
  let scope = nodeScoped.get(ctx);
  if (!scope) nodeScoped.set(ctx, (scope = new Map()));
  scope.set(owner, tx);
  openNodeScopes++;
  try {
    return await fn();
  } finally {
    openNodeScopes--;
    scope.delete(owner);
  }
}

/** Runs `fn` with `tx` bound to the async context (`db.transaction()`). */
export function inAmbientScope<T>(owner: SessionOwner, tx: SessionTransaction, fn: () => Promise<T>): Promise<T> {
  ambientUsed = true;
  const scope = new Map(ambient.getStore() ?? []);
  scope.set(owner, tx);
  return ambient.run(scope, fn);
}
