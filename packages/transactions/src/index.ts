import type { Plugin } from "@dataflow/kernel/plugin";
import { definePlugin } from "@dataflow/kernel/plugin";
import { backendOf } from "./backends.js";
import { escapeGuard } from "./escape-guard.js";
import { transactionNodes } from "./nodes.js";
import { transactionRunHooks } from "./run-hooks.js";

export { TRANSACTION_NODE_KINDS, transactionNodeTypes } from "./node-types.js";
export type { TransactionNodeKind, TransactionNodeTypes } from "./node-types.js";
export type { CloseScopeParams, SavepointParams, ScopeParams } from "./nodes.js";
export type { DataFlowTransaction, IsolationLevel, TransactionOptions } from "@dataflow/kernel";

/**
 * The transactions plugin: TransactionScope / Commit / Rollback / Savepoint / RollbackToSavepoint
 * nodes, atomic runs (`execute(wf, { transaction: true })`), and runs that join `db.transaction()`.
 *
 * ```ts
 * const db = new DataFlow({ url, plugins: [transactions()] });
 * ```
 */
export function transactions(): Plugin {
  return definePlugin({
    name: "@dataflow/transactions",
    kernel: "^1",
    nodes: transactionNodes,
    middleware: [escapeGuard(backendOf)],
    runHooks: transactionRunHooks,
  });
}

export default transactions();
