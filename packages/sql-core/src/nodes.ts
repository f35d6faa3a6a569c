import type { AdapterFactory, DataFlowHandle, Model, ModelOperation, NodeContext, NodeDefinition, Plugin, PluginContext } from "@dataflow/kernel/plugin";
import { MODEL_OPERATIONS, OPERATION_PARAMS, PluginError, definePlugin, normalizeOperation } from "@dataflow/kernel/plugin";
import type { SqlTarget } from "./target.js";
import { executeOperation, performOperation } from "./execute.js";

const DESCRIPTIONS: Record<string, string> = {
  Create: "Insert one row; returns the persisted row",
  Read: "Read one row by id or by a filter that matches at most one row",
  Update: "Update one row by id or filter; returns the updated row",
  Delete: "Delete one row by id or filter (a tombstone on soft-delete models)",
  List: "List rows with filter, order, limit/offset or keyset cursor",
  Count: "Count rows matching a filter",
  Upsert: "Insert or update one row by a unique key",
  BulkCreate: "Insert many rows atomically, in batches",
  BulkUpdate: "Update every row matching a filter",
  BulkDelete: "Delete every row matching a filter",
  BulkUpsert: "Insert or update many rows by a unique key",
};

/** The 11 generated nodes of a model on a SQL adapter: validate (kernel), then compile and run (sql-core). */
export function sqlModelNodes(model: Model, ctx: PluginContext): NodeDefinition[] {
  const adapter = ctx.adapter as unknown as SqlTarget & { adapterType?: string };
  // A shape check, not instanceof: a plugin may come with its own copy of sql-core.
  if (adapter.adapterType !== "sql" || typeof adapter.executorFor !== "function" || typeof adapter.dialect?.quote !== "function") {
    throw new PluginError(`The SQL node generator needs a DatabaseAdapter from @dataflow/sql-core, got ${ctx.adapter.databaseType}`);
  }
  const dataflow = ctx.dataflow;
  return MODEL_OPERATIONS.map((kind) => ({
    type: model.nodeType(kind),
    aliases: [`${model.qualifiedName}${kind}Node`],
    params: OPERATION_PARAMS[kind],
    description: `${model.name}: ${DESCRIPTIONS[kind]}`,
    // Not async: a synchronous driver's result goes back as a plain value, another driver's as the operation's own promise.
    run(params: Record<string, unknown>, nodeCtx) {
      const op = normalizeOperation(model, kind, params);
      if (!dataflow.isReady(model)) return dataflow.ensureModel(model).then(() => runModelOperation(dataflow, adapter, op, nodeCtx));
      return runModelOperation(dataflow, adapter, op, nodeCtx);
    },
  }));
}

/**
 * The operation's result: a plain value when the driver ran it synchronously and nothing wraps it
 * (the kernel then takes no promise step), else a promise. Middleware gets a promise.
 */
function runModelOperation(dataflow: DataFlowHandle, adapter: SqlTarget, op: ModelOperation, ctx: NodeContext): unknown {
  // Without middleware the kernel would only call back: run the operation here, one package crossing fewer.
  if (dataflow.hasMiddleware === false) return performOperation(adapter, op, ctx);
  return dataflow.runOperation(op, ctx, (o) => executeOperation(adapter, o, ctx));
}

/** A plugin for one SQL dialect package: its adapter factory plus the generated SQL nodes. */
export function defineSqlPlugin(options: { name: string; adapters: readonly AdapterFactory[] }): Plugin {
  return definePlugin({ name: options.name, kernel: "^1", adapters: options.adapters, modelNodes: sqlModelNodes });
}
