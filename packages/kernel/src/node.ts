import type { Logger } from "./logger.js";
import type { ProgressListener } from "./progress.js";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { ValidationError } from "./errors.js";
import type { ParamsSchema } from "./params.js";
import type { NodeRef } from "./typed.js";

/** Options of one `runtime.execute()` call; plugins add their own keys by declaration merging. */
export interface ExecuteOptions {
  /** Per-node parameters: `{ nodeId: { param: value } }`; they override static and connected values. */
  parameters?: Record<string, Record<string, unknown>>;
  signal?: AbortSignal;
  tenantId?: string;
  /** Run the whole workflow in one transaction (needs @dataflow/transactions). */
  transaction?: boolean;
  /** Progress of long work (bulk writes, streams, vector inserts): rows done, total where known; at most every `progressIntervalMs`. */
  onProgress?: ProgressListener;
  /** Least gap in ms between two progress reports of one node (default 200); the last report always comes. */
  progressIntervalMs?: number;
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
  /** `state.get(key)`, without creating state for a run that has none (optional: older runtimes lack it). */
  peekState?(key: symbol): unknown;
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
  /** Set when the params were declared with a Standard Schema (zod, valibot, arktype, ...). */
  readonly schema?: StandardSchemaV1;
  run(params: P, ctx: NodeContext): Promise<R> | R;
}

/** A custom node whose params are any Standard Schema: `run` receives the schema's output type. */
export interface SchemaNodeDefinition<S extends StandardSchemaV1, R, T extends string> {
  readonly type: T;
  readonly params: S;
  readonly description?: string;
  readonly aliases?: readonly string[];
  run(params: StandardSchemaV1.InferOutput<S>, ctx: NodeContext): Promise<R> | R;
}

/**
 * Declares a custom node. Register it with `db.registerNode(def)` or `registerNode(def)`, or pass it to `addNode`.
 * `params` is a Standard Schema (`z.object({...})`, `v.object({...})`, ...): `run` gets the validated
 * (and transformed) value, and failures are `ValidationError`s naming the issue's path; or the
 * `ParamsSchema` format (`{ name: { type: "string", required: true } }`).
 */
export function defineNode<S extends StandardSchemaV1, R, const T extends string>(
  definition: SchemaNodeDefinition<S, R, T>,
): NodeDefinition<StandardSchemaV1.InferInput<S>, Awaited<R>, T>;
export function defineNode<P = Record<string, unknown>, R = unknown, const T extends string = string>(
  definition: NodeDefinition<P, R, T>,
): NodeDefinition<P, R, T>;
export function defineNode(definition: NodeDefinition | SchemaNodeDefinition<StandardSchemaV1, unknown, string>): NodeDefinition {
  if (!isStandardSchema(definition.params)) return Object.freeze({ ...(definition as NodeDefinition) });
  const schema = definition.params;
  const run = definition.run as (params: unknown, ctx: NodeContext) => unknown;
  const where = `Node type '${definition.type}'`;
  return Object.freeze({
    ...definition,
    params: ANY_PARAMS,
    schema,
    run: (params: unknown, ctx: NodeContext) => {
      const checked = schema["~standard"].validate(params);
      return checked instanceof Promise ? checked.then((result) => run(valueOf(result, where), ctx)) : run(valueOf(checked, where), ctx);
    },
  });
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.["~standard"];
  return typeof value === "object" && value !== null && std?.version === 1 && typeof std.validate === "function";
}

function valueOf(result: StandardSchemaV1.Result<unknown>, where: string): unknown {
  if (!result.issues) return result.value;
  const paths = result.issues.map((issue) => (issue.path ?? []).map((segment) => String(typeof segment === "object" ? segment.key : segment)).join("."));
  const described = result.issues.map((issue, i) => (paths[i] ? `'${paths[i]}': ${issue.message}` : issue.message));
  throw new ValidationError(`${where}: invalid params: ${described.join("; ")}`, { field: paths[0] || "params" });
}

/**
 * The param spec of schema-declared nodes: names and types are the schema's business (checked
 * when the node runs), so the kernel's spec-based checks accept every name and require none.
 */
const ANY_PARAMS: ParamsSchema = new Proxy({} as ParamsSchema, {
  getOwnPropertyDescriptor: () => ({ value: {}, enumerable: false, configurable: true, writable: false }),
  has: () => true,
  get: () => ({}),
});

/**
 * A typed reference to a node that is registered by name (e.g. by a plugin's `nodes` hook), for
 * `addNode`: `export const AuditTrail = nodeRef<{ contains?: string }, { count: number }>()("Acme_AuditTrail")`.
 * At run time it is the type name itself.
 */
export function nodeRef<P, O>(): <const T extends string>(type: T) => NodeRef<T, P, O, RequiredParamNames<P>> {
  return (type) => type as NodeRef<typeof type, P, O, RequiredParamNames<P>>;
}

type RequiredParamNames<P> = { [K in keyof P]-?: {} extends Pick<P, K> ? never : K }[keyof P] & string;
