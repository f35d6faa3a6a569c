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
  /**
   * Client sessions the server has open on the test database, the oracle's own excluded
   * (pg_stat_activity, the process list). Leave it out for an embedded database (no server):
   * the streaming group's leak tests then check the adapter's pool alone.
   */
  connections?(): Promise<number>;
  close(): Promise<void>;
}

export interface ConformanceSkip {
  /** The test's title as the suite names it. */
  readonly test: string;
  /** Why this database cannot pass it (printed in the skipped test's title). Required. */
  readonly reason: string;
}

/**
 * DataFlow options the suite passes to `createDataFlow`. Spread them last into the options of
 * `new DataFlow`, unchanged: the hostile group also passes a `url` and deliberately ill-typed or
 * unknown options through them, and checks that DataFlow refuses those.
 */
export type ConformanceDataFlowOptions = Pick<DataFlowOptions, "autoMigrate" | "existingSchemaMode" | "url">;

/**
 * Where the hostile group's bounded-work cases run: a worker thread that the suite terminates when a
 * case exceeds its bound (a blocked event loop cannot be interrupted any other way).
 */
export interface ConformanceWorker {
  /**
   * A module Node imports as is in a worker thread (JavaScript: `.js`/`.mjs`, importing your built
   * package), exporting `createDataFlow(options, data)`: a DataFlow on the suite's database, like
   * `ConformanceOptions.createDataFlow`. A path or a `file:` URL.
   */
  readonly module: string | URL;
  /** Structured-cloneable value handed to the module's `createDataFlow` as its second argument, e.g. `{ url }`. */
  readonly data?: unknown;
}

/** The adapter's URL scheme, for the hostile group's construction-time checks. Nothing needs to connect. */
export interface ConformanceUrls {
  /** URL mistakes in your scheme (bad escapes, bad ports, ...): each must throw a `ValidationError` with field `"url"` at construction. */
  readonly invalid: readonly string[];
  /**
   * A URL of your scheme carrying `password` as its credential (it need not be valid for the
   * server). Nothing reachable from the DataFlow may print it under `util.inspect`. Leave it out
   * only if your URLs carry no credentials, and skip the credential tests with that reason.
   */
  withPassword?(password: string): string;
}

export interface ConformanceOptions {
  /** Shown in the suite's title, e.g. "sqlite". */
  readonly name: string;
  /** A new DataFlow on the suite's database: the same database on every call (tables persist between calls). */
  createDataFlow(options?: ConformanceDataFlowOptions): DataFlow | Promise<DataFlow>;
  /** The same factory as a module for a worker thread: the hostile group's bounded-work cases run there. */
  readonly worker: ConformanceWorker;
  readonly urls: ConformanceUrls;
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
  createDataFlow(options: {
    tenancy: boolean;
    vector: { indexes?: Record<string, readonly Record<string, unknown>[]>; fullText?: Record<string, readonly string[]> };
  }): DataFlow | Promise<DataFlow>;
  /** ANN index kinds the database builds; CreateVectorIndex must refuse the others with a VectorCapabilityError. */
  readonly indexMethods: readonly ("hnsw" | "ivfflat")[];
  /** True when HybridSearch works; when false it must fail with a VectorCapabilityError. */
  readonly hybrid: boolean;
}
