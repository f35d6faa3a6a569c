import type { Model, Plugin, PluginContext } from "@dataflow/kernel/plugin";
import { definePlugin } from "@dataflow/kernel/plugin";
import type { PostgresAdapterOptions } from "@dataflow/sql-postgres";
import postgres from "@dataflow/sql-postgres";
import type { VectorPluginOptions } from "@dataflow/vector-core";
import { checkPluginOptions, declaredFullText, declaredIndexes, vectorModelNodes } from "@dataflow/vector-core";
import { PgVectorAdapter } from "./adapter.js";
import { pgvectorBackend } from "./backend.js";

export { PgVectorAdapter } from "./adapter.js";
export { pgvectorBackend } from "./backend.js";
export { pgvectorDialect } from "./dialect.js";
export { HALF_PRECISION, halfvec } from "./field.js";
export { VectorCapabilityError, vectorNodes } from "@dataflow/vector-core";
export type {
  Distance,
  HybridSearchOutput,
  HybridSearchParams,
  IndexMethod,
  VectorIndexSpec,
  VectorNodeRefs,
  VectorPluginOptions,
  VectorSearchOutput,
  VectorSearchParams,
} from "@dataflow/vector-core";

/**
 * pgvector on PostgreSQL: serves `postgres:`/`postgresql:` URLs with the PostgreSQL plugin's 11
 * nodes per model, plus the vector nodes for models with a vector field.
 */
export function pgvector(options: VectorPluginOptions = {}): Plugin {
  const settings = checkPluginOptions(options);
  return definePlugin({
    name: "@dataflow/vector-pgvector",
    kernel: "^1",
    adapters: [
      {
        schemes: ["postgres", "postgresql"],
        create: (url, adapterOptions) => new PgVectorAdapter(url, adapterOptions as PostgresAdapterOptions, settings),
      },
    ],
    onModel(model: Model, ctx: PluginContext) {
      (postgres as Plugin).onModel?.(model, ctx);
      declaredIndexes(model, settings);
      declaredFullText(model, settings);
    },
    modelNodes: (model, ctx) => [...(postgres.modelNodes?.(model, ctx) ?? []), ...vectorModelNodes(model, ctx, pgvectorBackend)],
    middleware: postgres.middleware ?? [],
  });
}

export default pgvector;
