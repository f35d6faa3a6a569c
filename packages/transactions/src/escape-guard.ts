import type { BaseAdapter, Middleware, ModelOperation, NodeContext } from "@dataflow/kernel/plugin";
import { TransactionError } from "@dataflow/kernel/plugin";
import type { TransactionBackend } from "./backend.js";
import { RunState } from "./run-state.js";

const WRITES: ReadonlySet<ModelOperation["kind"]> = new Set(["Create", "Update", "Delete", "Upsert", "BulkCreate", "BulkUpdate", "BulkDelete", "BulkUpsert"]);

/**
 * Middleware on every model operation of the DataFlows that use this plugin: counts the operations
 * in flight (a scope opens only once those started before it are done), and fails closed when a
 * write would run outside every transaction while a scope of another DataFlow is open, since that
 * write would survive the scope's rollback.
 */
export function escapeGuard(backendOf: (adapter: BaseAdapter) => TransactionBackend | undefined): Middleware {
  return (op, ctx, next, plugin) => {
    const state = RunState.peek(ctx.run);
    if (!state) return next(op);
    if (state.transactions.size > 0 && WRITES.has(op.kind)) refuseEscapingWrite(state, backendOf(plugin.adapter), op, ctx);
    return state.track(next(op));
  };
}

function refuseEscapingWrite(state: RunState, backend: TransactionBackend | undefined, op: ModelOperation, ctx: NodeContext): void {
  if (!backend) return;
  const other = state.openElsewhere(backend.adapter);
  if (!other || backend.inTransaction(ctx)) return;
  throw new TransactionError(
    `Node '${ctx.nodeId}' writes ${op.model.name} on a database with no open transaction while TransactionScope ` +
      `'${other.openScopes.at(-1) ?? "(run)"}' of another DataFlow is open; its writes would not be rolled back with the scope`,
    { fix: "Open a TransactionScope of that DataFlow as well (its namespaced TransactionScope node), or move the node out of the scope" },
  );
}
