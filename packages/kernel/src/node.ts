import type { Logger } from "./logger.js";
import type { ParamsSchema } from "./params.js";

/** Options of one `runtime.execute()` call; plugins add their own keys by declaration merging. */
export interface ExecuteOptions {
  /** Per-node parameters: `{ nodeId: { param: value } }`; they override static and connected values. */
  parameters?: Record<string, Record<string, unknown>>;
  signal?: AbortSignal;
  tenantId?: string;
  /** Run the whole workflow in one transaction (needs @dataflow/transactions). */
  transaction?: boolean;
}

/** State of one workflow run, shared by all its nodes and the plugins' run hooks. */
export interface RunContext {
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly tenantId: string | undefined;
  readonly options: ExecuteOptions;
  readonly logger: Logger;
  /** Per-run state for plugins, keyed by a symbol each plugin owns. */
  readonly state: Map<symbol, unknown>;
  /** While entered, the scheduler runs one node at a time (e.g. inside a transaction scope). */
  enterExclusive(): void;
  leaveExclusive(): void;
}

export interface NodeContext {
  readonly nodeId: string;
  readonly runId: string;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly tenantId: string | undefined;
  readonly run: RunContext;
}

export interface NodeDefinition<P = any, R = unknown, T extends string = string> {
  readonly type: T;
  readonly params: ParamsSchema;
  readonly description?: string;
  /** Other names that resolve to this node (e.g. `UserCreateNode`). */
  readonly aliases?: readonly string[];
  run(params: P, ctx: NodeContext): Promise<R> | R;
}

/** Declares a custom node. Register it with `db.registerNode(def)` or `registerNode(def)`, or pass it to `addNode`. */
export function defineNode<P = Record<string, unknown>, R = unknown>(definition: NodeDefinition<P, R>): NodeDefinition<P, R> {
  return Object.freeze({ ...definition });
}
