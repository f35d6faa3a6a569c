import type { ListOperation, Model, ModelField, NodeContext, NodeDefinition, ParamsSchema, PluginContext, RowData } from "@dataflow/kernel/plugin";
import { DataFlowError, PluginError, ValidationError, isPlainObject, normalizeOperation, validateValue } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { executeOperation } from "@dataflow/sql-core";
import type { TextQuery, VectorBackend, VectorQuery } from "./backend.js";
import { reciprocalRankFusion } from "./rrf.js";
import { checkDistance, resolveIndexSpec, textField, vectorField } from "./spec.js";

export const MAX_K = 10_000;

const listParams = {
  filter: { type: "object", description: "DataFlow filter (same language as List)" },
  select: { type: "array", description: "Fields to return (default all but the vector fields)" },
  includeDeleted: { type: "boolean" },
} as const;

const searchParams = {
  vector: { type: "array", required: true, description: "The query vector" },
  k: { type: "integer", description: "Rows to return (default 10)" },
  field: { type: "string", description: "Vector field (default: the model's only one)" },
  distance: { type: "string", description: '"cosine" (default), "l2" or "ip"' },
  ...listParams,
} as const;

export const VECTOR_NODE_PARAMS: Record<string, ParamsSchema> = {
  VectorSearch: {
    ...searchParams,
    maxDistance: { type: "number", description: "Only rows at most this far" },
    efSearch: { type: "integer", description: "HNSW search list size for this query" },
    probes: { type: "integer", description: "IVFFlat lists probed for this query" },
  },
  VectorInsert: { data: { type: "array", required: true, description: "Rows with their embeddings" }, batchSize: { type: "integer" } },
  VectorUpdate: {
    id: { type: "any" },
    filter: { type: "object" },
    all: { type: "boolean" },
    vector: { type: "array", required: true },
    field: { type: "string" },
  },
  CreateVectorIndex: {
    field: { type: "string" },
    method: { type: "string", required: true },
    distance: { type: "string" },
    m: { type: "integer" },
    efConstruction: { type: "integer" },
    lists: { type: "integer" },
    name: { type: "string" },
  },
  HybridSearch: {
    ...searchParams,
    text: { type: "string", required: true, description: "The full-text query" },
    textField: { type: "string", description: "Text field ranked by full-text search" },
    weights: { type: "object", description: "{ vector, text } weights of the fused ranks (default 1 and 1)" },
    rrfK: { type: "integer", description: "Reciprocal rank fusion constant (default 60)" },
    candidates: { type: "integer", description: "Rows taken from each ranking before fusion (default max(4k, 40))" },
    language: { type: "string", description: "PostgreSQL text search configuration (default simple)" },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  VectorSearch: "Nearest rows to a vector, with distance, filtered in DataFlow's filter language",
  VectorInsert: "Insert many rows with embeddings on the adapter's bulk path",
  VectorUpdate: "Set an embedding by id or filter",
  CreateVectorIndex: "Create an approximate-nearest-neighbour index on a vector field",
  HybridSearch: "Full-text rank fused with vector rank (reciprocal rank fusion)",
};

const REFERENCE_ALIASES: Record<string, string> = {
  VectorSearch: "VectorSearchNode",
  VectorInsert: "VectorInsertNode",
  VectorUpdate: "VectorUpdateNode",
  CreateVectorIndex: "CreateVectorIndexNode",
  HybridSearch: "HybridSearchNode",
};

function intIn(value: unknown, path: string, min: number, max: number, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`'${path}' must be an integer from ${min} to ${max}`, { field: path });
  }
  return value;
}

function finite(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new ValidationError(`'${path}' must be a finite number`, { field: path });
  return value;
}

const requiredFields = new WeakMap<ModelField, ModelField>();

function queryVector(field: ModelField, value: unknown): readonly number[] {
  if (value === null) throw new ValidationError("'vector' must be an array of numbers, got null", { field: "vector" });
  let required = requiredFields.get(field);
  if (!required) requiredFields.set(field, (required = { ...field, nullable: false }));
  return validateValue(required, value, "vector") as readonly number[];
}

function listOperation(model: Model, params: Record<string, unknown>): ListOperation {
  const list: Record<string, unknown> = {};
  for (const key of ["filter", "select", "includeDeleted"]) if (params[key] !== undefined) list[key] = params[key];
  return normalizeOperation(model, "List", list) as ListOperation;
}

function vectorQuery(model: Model, params: Record<string, unknown>, backend: VectorBackend): VectorQuery {
  const field = vectorField(model, params.field, "field");
  return {
    field,
    vector: queryVector(field, params.vector),
    k: intIn(params.k, "k", 1, MAX_K, 10)!,
    distance: checkDistance(params.distance, "distance", backend.distances),
    maxDistance: finite(params.maxDistance, "maxDistance"),
    efSearch: intIn(params.efSearch, "efSearch", 1, 1000, undefined),
    probes: intIn(params.probes, "probes", 1, 32768, undefined),
  };
}

const searchFieldLists = new WeakMap<Model, Map<string, readonly ModelField[]>>();

/**
 * The columns a search reads: the selection (plus `extra` when given), or without one every column
 * except the vector fields. Vectors are returned only when `select` names them: they are most of a
 * row's bytes and decoding, and a caller seldom needs the embeddings it searched by. One array per
 * model and selection, so the backends can cache what they build from it.
 */
function fieldsOf(op: ListOperation, extra?: ModelField): readonly ModelField[] {
  const model = op.model;
  const key = op.select ? `${op.select.map((f) => f.name).join(",")}${extra ? `+${extra.name}` : ""}` : "*";
  let lists = searchFieldLists.get(model);
  if (!lists) searchFieldLists.set(model, (lists = new Map()));
  let fields = lists.get(key);
  if (!fields) {
    if (op.select) {
      const wanted = new Set(op.select.map((f) => f.name));
      if (extra) wanted.add(extra.name);
      fields = model.fields.filter((f) => wanted.has(f.name));
    } else fields = model.fields.filter((f) => f.kind !== "vector");
    if (lists.size < 256) lists.set(key, fields);
  }
  return fields;
}

/**
 * The vector nodes of one model (none when it has no vector field). Each runs through the
 * DataFlow's middleware as a List/BulkCreate/Update/BulkUpdate operation, so tenancy scopes it.
 */
export function vectorModelNodes(model: Model, ctx: PluginContext, backend: VectorBackend): NodeDefinition[] {
  if (!model.fields.some((f) => f.kind === "vector")) return [];
  const adapter = ctx.adapter as DatabaseAdapter;
  if (adapter.adapterType !== "sql" || typeof adapter.executorFor !== "function") {
    throw new PluginError(`${backend.name} needs a SQL adapter, got ${ctx.adapter.databaseType}`);
  }
  if (model.field("distance") || model.field("score")) {
    throw new ValidationError(`Model ${model.name}: 'distance' and 'score' are output names of the vector nodes`, {
      field: model.field("distance") ? "distance" : "score",
      fix: "Rename the field",
    });
  }
  const dataflow = ctx.dataflow;
  // Undefined once the model's table is ready, so the hot path awaits nothing.
  const ready = (): Promise<void> | undefined => (dataflow.isReady(model) ? undefined : dataflow.ensureModel(model));
  // The scoped operation may name another table than the model's own (a tenant's schema): that
  // table gets the declared indexes once, before its first vector node.
  const prepared = new WeakMap<Model, Promise<void>>();
  const prepare = (scoped: Model): Promise<void> | undefined => {
    if (scoped === model || scoped.schema === model.schema || !backend.prepareTable) return undefined;
    let done = prepared.get(scoped);
    if (!done) {
      done = backend.prepareTable(adapter, scoped).catch((error: unknown) => {
        prepared.delete(scoped);
        throw error;
      });
      prepared.set(scoped, done);
    }
    return done;
  };
  const mapped = (error: unknown): never => {
    throw error instanceof DataFlowError ? error : adapter.mapError(error, model);
  };

  const runners: Record<string, (params: Record<string, unknown>, nodeCtx: NodeContext) => Promise<unknown>> = {
    async VectorSearch(params, nodeCtx) {
      const query = vectorQuery(model, params, backend);
      const op = listOperation(model, params);
      const readying = ready();
      if (readying) await readying;
      const rows = await dataflow.runOperation(op, nodeCtx, async (scoped) => {
        const preparing = prepare(scoped.model);
        if (preparing) await preparing;
        return backend.search(adapter, adapter.executorFor(nodeCtx), scoped as ListOperation, fieldsOf(scoped as ListOperation), query, nodeCtx).catch(mapped);
      });
      return { result: rows, count: rows.length };
    },

    async VectorInsert(params, nodeCtx) {
      const op = normalizeOperation(
        model,
        "BulkCreate",
        params.batchSize === undefined ? { data: params.data } : { data: params.data, batchSize: params.batchSize },
      );
      await ready();
      const out = (await dataflow.runOperation(op, nodeCtx, async (o) => {
        await prepare(o.model);
        return executeOperation(adapter, o, nodeCtx);
      })) as { result: { inserted: number } };
      return { result: { inserted: out.result.inserted } };
    },

    async VectorUpdate(params, nodeCtx) {
      const field = vectorField(model, params.field, "field");
      const fields = { [field.name]: params.vector };
      const byId = params.id !== undefined;
      if (byId === (params.filter !== undefined)) {
        throw new ValidationError("VectorUpdate needs exactly one of 'id' or 'filter'", { field: byId ? "filter" : "id" });
      }
      const op = byId
        ? normalizeOperation(model, "Update", { id: params.id, fields })
        : normalizeOperation(model, "BulkUpdate", { filter: params.filter, fields, ...(params.all === undefined ? {} : { all: params.all }) });
      await ready();
      const out = (await dataflow.runOperation(op, nodeCtx, async (o) => {
        await prepare(o.model);
        return executeOperation(adapter, o, nodeCtx);
      })) as { result: { updated?: number } };
      return { result: { updated: byId ? 1 : (out.result.updated ?? 0) } };
    },

    async CreateVectorIndex(params, nodeCtx) {
      const spec: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(params)) if (value !== undefined) spec[key] = value;
      const index = resolveIndexSpec(model, spec, "params");
      const op = listOperation(model, {});
      await ready();
      const result = await dataflow.runOperation(op, nodeCtx, async (scoped) => {
        await prepare(scoped.model);
        return backend.createIndex(adapter, scoped as ListOperation, index, nodeCtx).catch(mapped);
      });
      return { result };
    },

    async HybridSearch(params, nodeCtx) {
      const query = vectorQuery(model, params, backend);
      const text = params.text;
      if (typeof text !== "string" || text.trim().length === 0) throw new ValidationError("'text' must be a non-empty string", { field: "text" });
      const texts = model.fields.filter((f) => f.kind === "text");
      if (params.textField === undefined && texts.length !== 1) {
        throw new ValidationError(`Name the field to rank in 'textField' (${model.name} has ${texts.length} text fields)`, { field: "textField" });
      }
      const tfield = textField(model, params.textField ?? texts[0]!.name, "textField");
      const weights = params.weights ?? { vector: 1, text: 1 };
      if (!isPlainObject(weights) || Object.keys(weights).some((k) => k !== "vector" && k !== "text")) {
        throw new ValidationError("'weights' must be { vector?, text? }", { field: "weights" });
      }
      const w = { vector: finite(weights.vector, "weights.vector") ?? 1, text: finite(weights.text, "weights.text") ?? 1 };
      if (w.vector < 0 || w.text < 0) throw new ValidationError("weights must not be negative", { field: w.vector < 0 ? "weights.vector" : "weights.text" });
      const rrfK = intIn(params.rrfK, "rrfK", 0, 100_000, 60)!;
      const candidates = intIn(params.candidates, "candidates", 1, MAX_K, Math.max(4 * query.k, 40))!;
      if (params.language !== undefined && (typeof params.language !== "string" || !/^[a-z_]{1,63}$/.test(params.language))) {
        throw new ValidationError("'language' must be a text search configuration name such as 'english'", { field: "language" });
      }
      const textQuery: TextQuery = { field: tfield, text, limit: candidates, language: params.language as string | undefined };
      const op = listOperation(model, params);
      const pk = model.primaryKey;
      await ready();
      const rows = await dataflow.runOperation(op, nodeCtx, async (scoped) => {
        const list = scoped as ListOperation;
        const fields = fieldsOf(list, pk);
        const exec = adapter.executorFor(nodeCtx);
        try {
          await prepare(list.model);
          const near = await backend.search(adapter, exec, list, fields, { ...query, k: candidates }, nodeCtx);
          const ranked = await backend.textSearch(adapter, exec, list, fields, textQuery, nodeCtx);
          const fused = reciprocalRankFusion(near, ranked, pk.name, w, rrfK, query.k);
          if (list.select && !list.select.some((f) => f.name === pk.name)) for (const row of fused) delete row[pk.name];
          return fused;
        } catch (error) {
          return mapped(error);
        }
      });
      return { result: rows, count: (rows as RowData[]).length };
    },
  };

  return Object.entries(runners).map(([kind, run]) => ({
    type: `${model.qualifiedName}_${kind}`,
    aliases: [`${model.qualifiedName}${REFERENCE_ALIASES[kind]}`],
    params: VECTOR_NODE_PARAMS[kind]!,
    description: `${model.name}: ${DESCRIPTIONS[kind]}`,
    run,
  }));
}
