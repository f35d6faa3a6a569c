import type { BaseAdapter, RunTransactionHandle, RunTransactionSupport } from "@dataflow/kernel/plugin";
import { TransactionError } from "@dataflow/kernel/plugin";
import type { TransactionBackend } from "./backend.js";
import { prepareDeclaredModels } from "./backend.js";

function noSavepoints(adapter: BaseAdapter): never {
  throw new TransactionError(`${adapter.databaseType} transactions have no savepoints`, {
    fix: "Use one transaction level per run: no TransactionScope inside another, inside transaction: true or inside db.transaction()",
  });
}

/** An adapter declaring the kernel's `runTransactions` contract (e.g. MongoDB sessions), which has no savepoints. */
export function sessionBackend(adapter: BaseAdapter): TransactionBackend<RunTransactionHandle> | undefined {
  const support: RunTransactionSupport | undefined = adapter.runTransactions;
  if (!support || typeof support.begin !== "function" || typeof support.bind !== "function") return undefined;
  return {
    adapter,
    savepoints: false,
    prepare: (dataflow) => prepareDeclaredModels(dataflow, adapter),
    joined: () => support.ambient(),
    begin: (options) => support.begin(options),
    commit: (tx) => support.commit(tx),
    rollback: (tx) => support.rollback(tx),
    bind: (run, tx) => support.bind(run, tx),
    inTransaction: (ctx) => support.inTransaction(ctx),
    abandon: (tx, cause) => support.abandon(tx, cause),
    makeSavepoint: () => noSavepoints(adapter),
    savepoint: () => noSavepoints(adapter),
    releaseSavepoint: () => noSavepoints(adapter),
    rollbackToSavepoint: () => noSavepoints(adapter),
  };
}
