import type { DataFlow, DataFlowOptions } from "@dataflow/kernel";


/**
 * Raw access to the database under test, written by the adapter's author with the plain driver.
 * The suite checks every write through it, never through the adapter being tested.
 */
export interface ConformanceOracle {
  /** Every row of the table as the driver returns it, ordered by `id`; `[]` when the table does not exist. */
  rows(table: string): Promise<Record<string, unknown>[]>;
  /** Row count; 0 when the table does not exist (bad input may fail before any table is created). */
  count(table: string): Promise<number>;
  /** Column names of the table (empty when it does not exist). */
  columns(table: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface ConformanceSkip {
  /** The test's title as the suite names it. */
  readonly test: string;
  /** Why this database cannot pass it (printed in the skipped test's title). Required. */
  readonly reason: string;
}

export interface ConformanceOptions {
  /** Shown in the suite's title, e.g. "sqlite". */
  readonly name: string;
  /** A new DataFlow on the suite's database: the same database on every call (tables persist between calls). */
  createDataFlow(options?: Pick<DataFlowOptions, "autoMigrate" | "existingSchemaMode">): DataFlow | Promise<DataFlow>;
  createOracle(): ConformanceOracle | Promise<ConformanceOracle>;
  /** Tests this adapter cannot pass, each with the database limit that prevents it. */
  readonly skip?: readonly ConformanceSkip[];
  /** Runs the `vector` group (vector plugins only). */
  readonly vector?: VectorConformance;
  /** Called once after the suite. */
  teardown?(): Promise<void>;
}

/** What the `vector` group needs from a vector plugin's test file. */
export interface VectorConformance {
  /**
   * A new DataFlow on the suite's database with the vector plugin, configured with `vector`
   * (declared `indexes` and `fullText` fields, by model name), plus a row-strategy tenancy plugin
   * when `tenancy` is true.
   */
  createDataFlow(options: { tenancy: boolean; vector: { indexes?: Record<string, readonly Record<string, unknown>[]>; fullText?: Record<string, readonly string[]> } }): DataFlow | Promise<DataFlow>;
  /** ANN index kinds the database builds; CreateVectorIndex must refuse the others with a VectorCapabilityError. */
  readonly indexMethods: readonly ("hnsw" | "ivfflat")[];
  /** True when HybridSearch works; when false it must fail with a VectorCapabilityError. */
  readonly hybrid: boolean;
}
