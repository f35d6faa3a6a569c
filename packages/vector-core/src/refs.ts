import type { Field, Filter, Model, NodeRef, Row, SelectableRows } from "@dataflow/kernel/plugin";
import type { Distance } from "./spec.js";

type FieldsOf<M> = M extends Model<infer F, any, any> ? F : never;
type NameOf<M> = M extends Model<any, any, infer N> ? N : never;

/** The names of a model's vector fields. */
export type VectorFieldName<M> = { [K in keyof FieldsOf<M>]: FieldsOf<M>[K] extends Field<number[], any, any> ? K : never }[keyof FieldsOf<M>] & string;

type Selectable<M> = keyof Row<M> & string;

interface SearchParams<M> {
  vector: readonly number[];
  k?: number;
  field?: VectorFieldName<M>;
  distance?: Distance;
  filter?: Filter<Row<M>>;
  /** Fields to return; without it every field but the vector fields. */
  select?: readonly Selectable<M>[];
  includeDeleted?: boolean;
}

export interface VectorSearchParams<M> extends SearchParams<M> {
  maxDistance?: number;
  efSearch?: number;
  probes?: number;
}

export interface HybridSearchParams<M> extends SearchParams<M> {
  text: string;
  textField?: Selectable<M>;
  weights?: { vector?: number; text?: number };
  rrfK?: number;
  candidates?: number;
  language?: string;
}

/** What each VectorSearch row has besides the model's fields. */
export interface SearchScores {
  distance: number;
}

/** What each HybridSearch row has besides the model's fields (null: not found by that ranking). */
export interface HybridScores {
  score: number;
  distance: number | null;
  textScore: number | null;
  vectorRank: number | null;
  textRank: number | null;
}

/** A search row without `select`: every field but the vector fields, plus the scores. */
export type SearchRow<M, Scores> = Omit<Row<M>, VectorFieldName<M>> & Scores;

export type VectorSearchOutput<M> = { result: SearchRow<M, SearchScores>[]; count: number } & SelectableRows<Row<M>, SearchScores>;
export type HybridSearchOutput<M> = { result: SearchRow<M, HybridScores>[]; count: number } & SelectableRows<Row<M>, HybridScores>;

/** Typed references to a model's vector nodes, for `WorkflowBuilder.addNode` (see `vectorNodes`). */
export interface VectorNodeRefs<M> {
  readonly VectorSearch: NodeRef<`${NameOf<M>}_VectorSearch`, VectorSearchParams<M>, VectorSearchOutput<M>, "vector">;
  readonly HybridSearch: NodeRef<`${NameOf<M>}_HybridSearch`, HybridSearchParams<M>, HybridSearchOutput<M>, "vector" | "text">;
  readonly VectorInsert: NodeRef<
    `${NameOf<M>}_VectorInsert`,
    { data: readonly Record<string, unknown>[]; batchSize?: number },
    { result: { inserted: number } },
    "data"
  >;
  readonly VectorUpdate: NodeRef<
    `${NameOf<M>}_VectorUpdate`,
    { id?: Row<M> extends { id: infer I } ? I : unknown; filter?: Filter<Row<M>>; all?: boolean; vector: readonly number[]; field?: VectorFieldName<M> },
    { result: { updated: number } },
    "vector"
  >;
  readonly CreateVectorIndex: NodeRef<
    `${NameOf<M>}_CreateVectorIndex`,
    {
      method: "hnsw" | "ivfflat";
      field?: VectorFieldName<M>;
      distance?: Distance;
      m?: number;
      efConstruction?: number;
      lists?: number;
      name?: string;
    },
    { result: { name: string; created: boolean } },
    "method"
  >;
}

/**
 * The typed references of a model's vector nodes: `vectorNodes(Doc).VectorSearch` is the type name
 * `"Doc_VectorSearch"` at run time, with its params and output types for `addNode`. Search rows
 * leave the vector fields out unless `select` names them, in the types as at run time.
 */
export function vectorNodes<M extends Model<any, any, string>>(model: M): VectorNodeRefs<M> {
  const ref = (kind: string) => `${model.qualifiedName}_${kind}`;
  return {
    VectorSearch: ref("VectorSearch"),
    HybridSearch: ref("HybridSearch"),
    VectorInsert: ref("VectorInsert"),
    VectorUpdate: ref("VectorUpdate"),
    CreateVectorIndex: ref("CreateVectorIndex"),
  } as unknown as VectorNodeRefs<M>;
}
