import type { Model, ModelField } from "@dataflow/kernel/plugin";
import { ValidationError, assertIdentifier, isPlainObject } from "@dataflow/kernel/plugin";

export const DISTANCES = ["cosine", "l2", "ip"] as const;
/** `cosine`: 1 - cosine similarity; `l2`: Euclidean distance; `ip`: the negative inner product. Smaller is nearer for all three. */
export type Distance = (typeof DISTANCES)[number];

export const INDEX_METHODS = ["hnsw", "ivfflat"] as const;
export type IndexMethod = (typeof INDEX_METHODS)[number];

/** An approximate-nearest-neighbour index on one vector field. */
export interface VectorIndexSpec {
  readonly field: string;
  readonly method: IndexMethod;
  /** The distance the index serves (default `"cosine"`); searches with another distance scan exactly. */
  readonly distance?: Distance;
  /** hnsw: links per node (2..100, pgvector default 16). */
  readonly m?: number;
  /** hnsw: candidate list size while building (pgvector default 64, at least 2*m). */
  readonly efConstruction?: number;
  /** ivfflat: number of lists (1..32768, pgvector default 100). */
  readonly lists?: number;
  /** Index name; default `<table>_<field>_<method>_<distance>`. */
  readonly name?: string;
}

export interface ResolvedVectorIndex {
  readonly name: string;
  readonly field: ModelField;
  readonly method: IndexMethod;
  readonly distance: Distance;
  readonly m: number | undefined;
  readonly efConstruction: number | undefined;
  readonly lists: number | undefined;
}

/** What a vector plugin is told about the models: ANN indexes and full-text fields, by model name. */
export interface VectorPluginOptions {
  /** Vector indexes created by auto-migration, e.g. `{ Doc: [{ field: "embedding", method: "hnsw", distance: "cosine" }] }`. */
  readonly indexes?: Readonly<Record<string, readonly VectorIndexSpec[]>>;
  /** Text fields HybridSearch ranks (SQLite: an FTS5 index kept in sync by triggers), e.g. `{ Doc: ["body"] }`. */
  readonly fullText?: Readonly<Record<string, readonly string[]>>;
}

const INDEX_KEYS = new Set(["field", "method", "distance", "m", "efConstruction", "lists", "name"]);

function intIn(value: unknown, min: number, max: number, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`'${path}' must be an integer from ${min} to ${max}`, { field: path });
  }
  return value;
}

const vectorFieldLists = new WeakMap<Model, readonly ModelField[]>();

export function vectorField(model: Model, name: unknown, path: string): ModelField {
  if (name === undefined) {
    let fields = vectorFieldLists.get(model);
    if (!fields) vectorFieldLists.set(model, (fields = model.fields.filter((f) => f.kind === "vector")));
    if (fields.length === 1) return fields[0]!;
    throw new ValidationError(`${model.name} has ${fields.length} vector fields; name one in '${path}'`, {
      field: path,
      fix: `Pass ${path}: one of ${fields.map((f) => `"${f.name}"`).join(", ")}`,
    });
  }
  const f = typeof name === "string" ? model.field(name) : undefined;
  if (!f || f.kind !== "vector") {
    throw new ValidationError(`'${path}' must name a vector field of ${model.name}`, {
      field: path,
      fix: `Vector fields: ${
        model.fields
          .filter((x) => x.kind === "vector")
          .map((x) => x.name)
          .join(", ") || "none"
      }`,
    });
  }
  return f;
}

export function checkDistance(value: unknown, path: string, supported: readonly Distance[] = DISTANCES): Distance {
  if (value === undefined) return "cosine";
  if (!DISTANCES.includes(value as Distance)) {
    throw new ValidationError(`'${path}' must be "cosine", "l2" or "ip"`, { field: path });
  }
  if (!supported.includes(value as Distance)) {
    throw new ValidationError(`'${path}' ${String(value)} is not supported here`, { field: path, fix: `Use one of ${supported.join(", ")}` });
  }
  return value as Distance;
}

/** Validates one index declaration against the model; the name is an identifier quoted later. */
export function resolveIndexSpec(model: Model, spec: unknown, path: string): ResolvedVectorIndex {
  if (!isPlainObject(spec)) throw new ValidationError(`'${path}' must be an object`, { field: path });
  for (const key of Object.keys(spec)) {
    if (!INDEX_KEYS.has(key))
      throw new ValidationError(`Unknown vector index option '${key}'`, { field: `${path}.${key}`, fix: `Known: ${[...INDEX_KEYS].join(", ")}` });
  }
  const field = vectorField(model, spec.field, `${path}.field`);
  if (!INDEX_METHODS.includes(spec.method as IndexMethod)) {
    throw new ValidationError(`'${path}.method' must be "hnsw" or "ivfflat"`, { field: `${path}.method` });
  }
  const method = spec.method as IndexMethod;
  const distance = checkDistance(spec.distance, `${path}.distance`);
  const m = intIn(spec.m, 2, 100, `${path}.m`);
  const efConstruction = intIn(spec.efConstruction, 4, 1000, `${path}.efConstruction`);
  const lists = intIn(spec.lists, 1, 32768, `${path}.lists`);
  if (method === "ivfflat" && (m !== undefined || efConstruction !== undefined)) {
    throw new ValidationError(`'${path}': m and efConstruction are hnsw options`, { field: `${path}.${m !== undefined ? "m" : "efConstruction"}` });
  }
  if (method === "hnsw" && lists !== undefined) {
    throw new ValidationError(`'${path}.lists' is an ivfflat option`, { field: `${path}.lists` });
  }
  if (efConstruction !== undefined && efConstruction < 2 * (m ?? 16)) {
    throw new ValidationError(`'${path}.efConstruction' must be at least 2 * m`, { field: `${path}.efConstruction` });
  }
  const name = spec.name === undefined ? `${model.table}_${field.name}_${method}_${distance}` : assertIdentifier(String(spec.name), "Index name");
  return { name, field, method, distance, m, efConstruction, lists };
}

/** The declared indexes of one model, validated (unknown fields and options are errors at declaration). */
export function declaredIndexes(model: Model, options: VectorPluginOptions): ResolvedVectorIndex[] {
  const specs = options.indexes?.[model.name] ?? [];
  return specs.map((s, i) => resolveIndexSpec(model, s, `indexes.${model.name}[${i}]`));
}

export function declaredFullText(model: Model, options: VectorPluginOptions): ModelField[] {
  return (options.fullText?.[model.name] ?? []).map((name, i) => textField(model, name, `fullText.${model.name}[${i}]`));
}

export function textField(model: Model, name: unknown, path: string): ModelField {
  const f = typeof name === "string" ? model.field(name) : undefined;
  if (!f || (f.kind !== "text" && f.kind !== "string")) {
    throw new ValidationError(`'${path}' must name a text or string field of ${model.name}`, { field: path });
  }
  return f;
}

/** Checks the plugin options' shape (model names are checked when each model is declared). */
export function checkPluginOptions(options: unknown): VectorPluginOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new ValidationError("Vector plugin options must be an object", { field: "options" });
  for (const key of Object.keys(options)) {
    if (key !== "indexes" && key !== "fullText")
      throw new ValidationError(`Unknown vector plugin option '${key}'`, { field: key, fix: "Known options: indexes, fullText" });
  }
  for (const key of ["indexes", "fullText"] as const) {
    const value = options[key];
    if (value !== undefined && !isPlainObject(value)) throw new ValidationError(`'${key}' must be an object keyed by model name`, { field: key });
    for (const [model, list] of Object.entries((value ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(list)) throw new ValidationError(`'${key}.${model}' must be an array`, { field: `${key}.${model}` });
    }
  }
  return options as VectorPluginOptions;
}
