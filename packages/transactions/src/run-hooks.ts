import type { DataFlowError, PluginContext, RunContext, RunHooks } from "@dataflow/kernel/plugin";
import { AbortError, TransactionError } from "@dataflow/kernel/plugin";
import type { Verdict } from "./run-state.js";
import { RunState } from "./run-state.js";
import type { RunTransaction } from "./run-transaction.js";
import { RUN_LEVEL, commitFailure } from "./run-transaction.js";
import { backendOf } from "./backends.js";

/**
 * Before the first node, for each DataFlow the run uses whose adapter has transactions: a run that joins an open transaction
 * (`db.transaction()`, the TDD harness) shares its one connection, so it runs one node at a time;
 * `transaction: true` opens the run's own transaction (or a savepoint of the joined one).
 * Returns no promise unless it has a transaction to open.
 */
function begin(run: RunContext, ctx: PluginContext): void | Promise<void> {
  const backend = backendOf(ctx.adapter);
  if (!backend) {
    if (run.options.transaction === true) throw new TransactionError(`${ctx.adapter.databaseType} has no transactions for transaction: true`);
    return;
  }
  const state = RunState.of(run);
  const joined = backend.joined() !== undefined;
  if (!joined && run.options.transaction !== true) return;
  const tx = state.transactionOf(backend);
  if (joined) tx.hold();
  if (run.options.transaction === true) return openRunLevel(tx, ctx);
}

async function openRunLevel(tx: RunTransaction, ctx: PluginContext): Promise<void> {
  await tx.backend.prepare(ctx.dataflow);
  tx.hold();
  await tx.open("run", RUN_LEVEL, {});
}

/** Decided once per run, over every database: commit only a run that succeeded, was not aborted and closed its scopes. */
function decide(run: RunContext, error: unknown, state: RunState): Verdict {
  if (error !== undefined) return { commit: false, error: undefined };
  if (run.signal.aborted) {
    return { commit: false, error: new AbortError("The run was aborted; its open transaction was rolled back", { cause: run.signal.reason }) };
  }
  const open = [...state.transactions.values()].flatMap((tx) => tx.openScopes);
  if (open.length > 0) {
    return {
      commit: false,
      error: new TransactionError(`The run ended with TransactionScope ${open.map((s) => `'${s}'`).join(", ")} still open; it was rolled back`, {
        fix: "End every scope with a TransactionCommit or TransactionRollback node that runs after the scope's last node",
      }),
    };
  }
  return { commit: true };
}

/**
 * After the last node: commits the run's own transaction when the run succeeded, else rolls back
 * everything it left open. A failed commit fails the run, and the databases not yet committed roll back.
 */
function end(run: RunContext, error: unknown, ctx: PluginContext): void | Promise<void> {
  const state = RunState.peek(run);
  const tx = state?.transactions.get(ctx.adapter);
  if (!tx) return;
  return finish(run, error, state!, tx);
}

async function finish(run: RunContext, error: unknown, state: RunState, tx: RunTransaction): Promise<void> {
  const first = state.verdict === undefined;
  state.verdict ??= decide(run, error, state);
  try {
    if (!state.verdict.commit) {
      await tx.rollbackAll(error ?? state.verdict.error ?? new TransactionError("Another database of the run failed to commit"));
      if (first && state.verdict.error) throw state.verdict.error;
      return;
    }
    if (!tx.hasRunLevel) return;
    try {
      await tx.commitRun();
    } catch (failure) {
      state.verdict = { commit: false, error: undefined };
      await tx.rollbackAll(failure);
      throw commitFailure(failure as DataFlowError);
    }
  } finally {
    tx.letGoAll();
  }
}

export const transactionRunHooks: RunHooks = { begin, end };
