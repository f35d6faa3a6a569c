import type { Model, NodeDefinition, PluginContext } from "@dataflow/kernel/plugin";
import { MODEL_OPERATIONS, OPERATION_PARAMS, normalizeOperation } from "@dataflow/kernel/plugin";
import { executeModelOperation } from "./execute.js";
import type { ModelTarget } from "./target.js";

const DESCRIPTIONS: Record<string, string> = {
  Create: "Insert one document; returns the stored row",
  Read: "Read one document by id or by a filter that matches at most one",
  Update: "Update one document by id or filter; returns the updated row",
  Delete: "Delete one document by id or filter (a tombstone on soft-delete models)",
  List: "List documents with filter, order, limit/offset or keyset cursor",
  Count: "Count documents matching a filter",
  Upsert: "Insert or update one document by a unique key",
  BulkCreate: "Insert many documents, in batches",
  BulkUpdate: "Update every document matching a filter",
  BulkDelete: "Delete every document matching a filter",
  BulkUpsert: "Insert or update many documents by a unique key",
};

/** The 11 generated nodes of a model on MongoDB: the kernel validates, this package compiles to MQL and runs. */
export function mongoModelNodes(model: Model, ctx: PluginContext, target: ModelTarget): NodeDefinition[] {
  const dataflow = ctx.dataflow;
  return MODEL_OPERATIONS.map((kind) => ({
    type: model.nodeType(kind),
    aliases: [`${model.qualifiedName}${kind}Node`],
    params: OPERATION_PARAMS[kind],
    description: `${model.name}: ${DESCRIPTIONS[kind]}`,
    run(params: Record<string, unknown>, nodeCtx) {
      const op = normalizeOperation(model, kind, params);
      const go = (): Promise<unknown> => dataflow.runOperation(op, nodeCtx, (o) => executeModelOperation(target, o, nodeCtx));
      return dataflow.isReady(model) ? go() : dataflow.ensureModel(model).then(go);
    },
  }));
}
