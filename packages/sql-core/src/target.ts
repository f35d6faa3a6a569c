import type {
  BulkCreateOperation,
  BulkUpsertOperation,
  DataFlowError,
  Model,
  NodeContext,
  OperationResults,
  ProgressReporter,
  UpsertOperation,
} from "@dataflow/kernel/plugin";
import type { Dialect, TransactionOptions } from "./dialect.js";
import type { SqlExecutor } from "./driver.js";

/**
 * What the executor needs of an adapter: its dialect, the session's executors and transactions,
 * error mapping, and the optional write strategies. `DatabaseAdapter` is one; the executor never
 * sees the driver behind it.
 */
export interface SqlTarget {
  readonly dialect: Dialect;
  executorFor(ctx: NodeContext | undefined): SqlExecutor;
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions, ctx?: NodeContext): Promise<T>;
  mapError(error: unknown, model?: Model, operation?: string): DataFlowError;
  /** Optional strategy: a faster BulkCreate/BulkUpsert. */
  bulkWrite?(
    ctx: NodeContext,
    op: BulkCreateOperation | BulkUpsertOperation,
    progress?: ProgressReporter,
  ): Promise<{ inserted: number; skipped: number; updated: number }>;
  /** Optional strategy: a database-specific single-row Upsert. */
  upsert?(ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]>;
  /**
   * Optional strategy: runs after a write that put explicit values into an auto-increment primary
   * key (PostgreSQL moves its identity sequence past them).
   */
  afterExplicitKeys?(ctx: NodeContext, model: Model): Promise<void>;
  /** Counts a failed operation by its error class (`stats().errors`). */
  recordError?(error: unknown): void;
  /** True when the strategies above name tables with `tableReference` (models in another schema). */
  qualifiesTables(): boolean;
}
