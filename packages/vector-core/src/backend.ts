import type { ListOperation, Model, ModelField, NodeContext, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import type { Distance, ResolvedVectorIndex } from "./spec.js";

/** One nearest-neighbour query, validated. */
export interface VectorQuery {
  readonly field: ModelField;
  readonly vector: readonly number[];
  readonly k: number;
  readonly distance: Distance;
  readonly maxDistance: number | undefined;
  readonly efSearch: number | undefined;
  readonly probes: number | undefined;
}

export interface TextQuery {
  readonly field: ModelField;
  readonly text: string;
  readonly limit: number;
  /** PostgreSQL text search configuration (default `simple`). */
  readonly language: string | undefined;
}

/**
 * What a database brings to the vector nodes. `op` is the (middleware-scoped) List operation:
 * its `where` already carries tenancy and soft-delete conditions; `fields` are the columns to return.
 */
export interface VectorBackend {
  readonly name: string;
  readonly distances: readonly Distance[];
  /** Rows nearest first, each with `distance`. */
  search(
    adapter: DatabaseAdapter,
    exec: SqlExecutor,
    op: ListOperation,
    fields: readonly ModelField[],
    query: VectorQuery,
    ctx: NodeContext,
  ): Promise<RowData[]>;
  /** Rows best first, each with `textScore` (larger is better). */
  textSearch(
    adapter: DatabaseAdapter,
    exec: SqlExecutor,
    op: ListOperation,
    fields: readonly ModelField[],
    query: TextQuery,
    ctx: NodeContext,
  ): Promise<RowData[]>;
  /**
   * Readies a tenant's copy of the model's table (tenancy's schema strategy: the same model in
   * another schema) before a vector node first uses it: the declared vector and full-text indexes
   * that auto-migration gave the model's own table.
   */
  prepareTable?(adapter: DatabaseAdapter, model: Model): Promise<void>;
  /** Creates the index unless one of that name exists. */
  createIndex(adapter: DatabaseAdapter, op: ListOperation, index: ResolvedVectorIndex, ctx: NodeContext): Promise<{ name: string; created: boolean }>;
}
