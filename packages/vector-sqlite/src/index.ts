import type { Model, Plugin, PluginContext } from "@dataflow/kernel/plugin";
import { definePlugin } from "@dataflow/kernel/plugin";
import type { SqliteAdapterOptions } from "@dataflow/sql-sqlite";
import sqlite from "@dataflow/sql-sqlite";
import type { VectorPluginOptions } from "@dataflow/vector-core";
import { VectorCapabilityError, checkPluginOptions, declaredFullText, declaredIndexes, vectorModelNodes } from "@dataflow/vector-core";
import { SqliteVecAdapter } from "./adapter.js";
import { sqliteVecBackend } from "./backend.js";

export { SqliteVecAdapter } from "./adapter.js";
export { decodeVector, encodeVector, sqliteVecDialect } from "./dialect.js";
export { sqliteVecBackend } from "./backend.js";
export { VectorCapabilityError, vectorNodes } from "@dataflow/vector-core";
export type {
  Distance,
  HybridSearchOutput,
  HybridSearchParams,
  VectorNodeRefs,
  VectorPluginOptions,
  VectorSearchOutput,
  VectorSearchParams,
} from "@dataflow/vector-core";

/**
 * sqlite-vec on the embedded SQLite default: serves `sqlite:` URLs with the SQLite plugin's 11
 * nodes per model, plus the vector nodes for models with a vector field. Searches are exact.
 */
export function vectorSqlite(options: VectorPluginOptions = {}): Plugin {
  const settings = checkPluginOptions(options);
  return definePlugin({
    name: "@dataflow/vector-sqlite",
    kernel: "^1",
    adapters: [{ schemes: ["sqlite"], create: (url, adapterOptions) => new SqliteVecAdapter(url, adapterOptions as SqliteAdapterOptions, settings) }],
    onModel(model: Model, ctx: PluginContext) {
      (sqlite as Plugin).onModel?.(model, ctx);
      const indexes = declaredIndexes(model, settings);
      if (indexes.length > 0) {
        throw new VectorCapabilityError(`sqlite-vec has no ${indexes[0]!.method} index on table columns (declared for ${model.name})`, {
          field: `indexes.${model.name}`,
          fix: "Leave vector indexes out on SQLite: VectorSearch there is an exact scan",
        });
      }
      declaredFullText(model, settings);
    },
    modelNodes: (model, ctx) => [...(sqlite.modelNodes?.(model, ctx) ?? []), ...vectorModelNodes(model, ctx, sqliteVecBackend)],
    middleware: sqlite.middleware ?? [],
  });
}

export default vectorSqlite;
