import type { NodeContext, NodeDefinition, ParamsSchema, PluginContext, TransactionOptions } from "@dataflow/kernel/plugin";
import { AbortError, checkTransactionOptions } from "@dataflow/kernel/plugin";
import type { TransactionNodeKind } from "./node-types.js";
import { transactionNodeTypes } from "./node-types.js";
import { RunState } from "./run-state.js";
import { checkSavepointName } from "./savepoint-name.js";
import { requireBackend } from "./backends.js";

export interface ScopeParams {
  isolationLevel?: TransactionOptions["isolationLevel"];
  readOnly?: boolean;
}

export interface CloseScopeParams {
  /** Id of the TransactionScope node this closes; checked against the innermost open scope. */
  scope?: string;
  reason?: string;
}

export interface SavepointParams {
  name: string;
}

const SCOPE_PARAM = { type: "string", description: "Id of the TransactionScope node this closes (checked)" } as const;

function abortedBefore(what: string, ctx: NodeContext): void {
  if (ctx.signal.aborted) throw new AbortError(`The run was aborted before ${what}`, { cause: ctx.signal.reason });
}

/** The five transaction nodes of one DataFlow (they act on its adapter). */
export function transactionNodes(ctx: PluginContext): NodeDefinition[] {
  const backend = requireBackend(ctx);
  const dataflow = ctx.dataflow;
  const types = transactionNodeTypes(dataflow);
  const transactionOf = (nodeCtx: NodeContext) => RunState.of(nodeCtx.run).transactionOf(backend);
  const node = <P>(kind: TransactionNodeKind, params: ParamsSchema, description: string, run: NodeDefinition<P>["run"]): NodeDefinition<P> => ({
    type: types[kind],
    aliases: [`${types[kind]}Node`],
    params,
    description,
    run,
  });

  return [
    node<ScopeParams>(
      "Scope",
      {
        isolationLevel: { type: "string", description: '"read committed" | "repeatable read" | "serializable"' },
        readOnly: { type: "boolean" },
      },
      "Begin a transaction (a savepoint when one is open); the nodes after it run on its connection, one at a time",
      async (params, nodeCtx) => {
        const options: TransactionOptions = checkTransactionOptions({
          ...(params.isolationLevel !== undefined ? { isolationLevel: params.isolationLevel } : {}),
          ...(params.readOnly !== undefined ? { readOnly: params.readOnly } : {}),
        });
        const state = RunState.of(nodeCtx.run);
        const tx = state.transactionOf(backend);
        tx.hold();
        try {
          await state.idle();
          await backend.prepare(dataflow);
          abortedBefore("the transaction began", nodeCtx);
          const opened = await tx.open("scope", nodeCtx.nodeId, options);
          return {
            result: {
              scope: nodeCtx.nodeId,
              depth: opened.depth,
              savepoint: opened.savepoint,
              isolationLevel: opened.options.isolationLevel ?? null,
              readOnly: opened.options.readOnly ?? false,
            },
          };
        } catch (error) {
          tx.letGo();
          throw error;
        }
      },
    ),
    node<CloseScopeParams>(
      "Commit",
      { scope: SCOPE_PARAM },
      "Commit the innermost open TransactionScope (release its savepoint when nested)",
      async (params, nodeCtx) => {
        abortedBefore("the commit", nodeCtx);
        const scope = await transactionOf(nodeCtx).commitScope(params.scope);
        return { result: { scope, committed: true } };
      },
    ),
    node<CloseScopeParams>(
      "Rollback",
      { scope: SCOPE_PARAM, reason: { type: "string" } },
      "Roll back the innermost open TransactionScope (to its savepoint when nested)",
      async (params, nodeCtx) => {
        const scope = await transactionOf(nodeCtx).rollbackScope(params.scope);
        return { result: { scope, rolledBack: true, ...(params.reason !== undefined ? { reason: params.reason } : {}) } };
      },
    ),
    node<SavepointParams>(
      "Savepoint",
      { name: { type: "string", required: true, description: "An identifier: letters, digits, _" } },
      "Create a named savepoint in the innermost open transaction level",
      async (params, nodeCtx) => {
        const name = checkSavepointName(params.name);
        await transactionOf(nodeCtx).savepoint(name);
        return { result: { savepoint: name } };
      },
    ),
    node<SavepointParams>(
      "RollbackToSavepoint",
      { name: { type: "string", required: true } },
      "Undo what the innermost open level did after the named savepoint (the savepoint stays)",
      async (params, nodeCtx) => {
        const name = checkSavepointName(params.name);
        await transactionOf(nodeCtx).rollbackToSavepoint(name);
        return { result: { savepoint: name, rolledBack: true } };
      },
    ),
  ];
}
