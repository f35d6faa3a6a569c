import { WorkflowValidationError } from "./errors.js";
import { ownProperties } from "./own.js";
import { quoteName } from "./names.js";
import { didYouMean } from "./suggest.js";
import { isPlainObject } from "./filter.js";
import type { NodeDefinition } from "./node.js";
import { checkParamNames } from "./params.js";
import { parsePath } from "./paths.js";
import type { NodeOwner, ResolvedNode } from "./registry.js";
import { resolveNode } from "./registry.js";
import type { AnyModel } from "./typed.js";
import type {
  InAt,
  MissingOf,
  MissingRequiredParams,
  NodeIds,
  NodeLike,
  NodeSlot,
  OutAt,
  OutputOf,
  ParamsArg,
  ParamsOf,
  PathValue,
  Paths,
  Checked,
  NodeName,
  RequiredOf,
  Resolve,
  ResultsOf,
  SelectKey,
  Selected,
  TargetPaths,
} from "./workflow-types.js";

declare const RESULTS: unique symbol;

const NODE_ID = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export interface WorkflowNode {
  readonly id: string;
  readonly type: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Set when `addNode` was given a definition instead of a type name. */
  readonly definition: NodeDefinition | undefined;
}

export interface WorkflowConnection {
  readonly source: string;
  readonly sourcePath: readonly string[];
  readonly target: string;
  readonly targetPath: readonly string[];
}

/**
 * A validated, immutable workflow: nodes in a topological order, with their inputs.
 * `R` is the type of `execute()`'s `results` (typed when built fluently from typed nodes).
 */
export interface Workflow<R extends object = Record<string, any>> {
  readonly [RESULTS]?: R;
  /** A name for logs and traces (`WorkflowBuilder({ name })`). */
  readonly name?: string | undefined;
  readonly nodes: readonly WorkflowNode[];
  readonly connections: readonly WorkflowConnection[];
  /** For each node (by index in `nodes`): indexes of the nodes it waits for. */
  readonly waitsFor: readonly (readonly number[])[];
  /** For each node: the connections that feed it. */
  readonly inputs: readonly (readonly WorkflowConnection[])[];
  readonly index: ReadonlyMap<string, number>;
  /** Resolution done at build time, reused by runtimes with the same scope. */
  readonly resolvedWith: NodeOwner | undefined;
  readonly resolved: readonly ResolvedNode[];
}

export interface WorkflowBuilderOptions<M extends AnyModel = never> {
  /** Resolve node types against this DataFlow only (default: every live instance). */
  dataflow?: NodeOwner;
  /**
   * The models whose node type names the string form of `addNode` may use; given, the string
   * form is typed like the references (`addNode("User_Create", ...)` as `User.nodes.Create`).
   * Type-level only.
   */
  models?: readonly M[];
  /** A name for logs and traces of the workflow's runs. */
  name?: string;
}

/**
 * Builds a workflow. Used fluently with typed nodes (`User.nodes.Create`, `defineNode`
 * definitions, or type names of the `models` option), it tracks every node's params and output:
 * `addConnection` checks both paths and their value types, `build()` refuses required params that
 * nothing supplies, and `execute()` returns typed `results`.
 *
 * `M`: the models of the string form; `N`: node id -> {@link NodeSlot}; `Missing`: unsupplied
 * required params as `"nodeId:param"`.
 */
export class WorkflowBuilder<M extends AnyModel = never, N extends object = {}, Missing extends string = never> {
  private readonly nodes = new Map<string, WorkflowNode>();
  private readonly connections: WorkflowConnection[] = [];
  private readonly dependencies: Array<[string, string]> = [];

  private readonly options: WorkflowBuilderOptions<M>;

  constructor(options: WorkflowBuilderOptions<M> = {}) {
    this.options = ownProperties(options ?? {}) as WorkflowBuilderOptions<M>;
    if (this.options.name !== undefined && typeof this.options.name !== "string") {
      throw new WorkflowValidationError("name must be a string", { field: "name" });
    }
  }

  // addNode and addConnection re-infer the ledger and the missing params from `this` (`L`, `Miss`) rather than read
  // from the class parameters: a class parameter reaches the signature through a composed mapper
  // that re-instantiates the whole ledger (one mapped type per node) at every step of inference,
  // which made each call cost time in proportion to the number of nodes.
  /**
   * Adds a node: a typed reference (`User.nodes.Create`), a `defineNode` definition, or a type name
   * (`"User_Create"`: typed like its reference when the builder has `models`, else checked only
   * when built). `params` are checked against the node's params; required ones may be left to
   * connections (see `build()`).
   */
  addNode<
    L extends object,
    Miss extends string,
    const R extends NodeLike | NodeName<M>,
    const Id extends string,
    const G extends object = {},
    const D extends object = {},
    const S extends SelectKey<ParamsOf<Resolve<M, R>>> = never,
  >(
    this: WorkflowBuilder<M, L, Miss>,
    node: R,
    id: Id,
    params?: ParamsArg<ParamsOf<Resolve<M, R>>, G, D, S>,
  ): WorkflowBuilder<
    M,
    L & { [K in Id]: NodeSlot<Selected<OutputOf<Resolve<M, R>>, S>, ParamsOf<Resolve<M, R>>> },
    Miss | MissingOf<Id, RequiredOf<Resolve<M, R>>, G, D>
  >;
  addNode(type: string | NodeDefinition, id: string, params: Record<string, unknown> = {}): WorkflowBuilder<any, any, any> {
    if (typeof id !== "string" || !NODE_ID.test(id) || id.startsWith("__")) {
      throw new WorkflowValidationError(`Node id ${typeof id === "string" ? quoteName(id) : `of type ${typeof id}`} is not valid`, {
        fix: "Use letters, digits, '_', '.' and '-', starting with a letter or '_' (at most 128 characters)",
      });
    }
    if (this.nodes.has(id)) throw new WorkflowValidationError(`Duplicate node id '${id}'`, { field: id });
    if (!isPlainObject(params)) throw new WorkflowValidationError(`Node '${id}': params must be a plain object`, { field: id });
    const definition = typeof type === "string" ? undefined : type;
    const typeName = typeof type === "string" ? type : type.type;
    if (typeof typeName !== "string" || typeName.length === 0) throw new WorkflowValidationError(`Node '${id}': the node type must be a non-empty string`);
    this.nodes.set(id, { id, type: typeName, params, definition });
    return this;
  }

  /** Passes `source`'s output at `sourceOutput` (dotted, e.g. `"result.id"`) to `target`'s input `targetInput` (e.g. `"data.user_id"`). */
  addConnection<
    L extends object,
    Miss extends string,
    const S extends NodeIds<L>,
    const SP extends string,
    const T extends NodeIds<L>,
    const TP extends string,
  >(
    this: WorkflowBuilder<M, L, Miss>,
    source: S,
    sourceOutput: Checked<SP, Paths<OutAt<L, S>>>,
    target: T,
    targetInput: Checked<TP, TargetPaths<InAt<L, T>, PathValue<OutAt<L, S>, SP>>>,
  ): WorkflowBuilder<M, L, Exclude<Miss, `${T}:${TP}` | `${T}:${TP}.${string}`>>;
  addConnection(source: string, sourceOutput: string, target: string, targetInput: string): WorkflowBuilder<any, any, any> {
    this.connections.push({
      source,
      sourcePath: parsePath(sourceOutput, `Connection ${source} -> ${target}: source output`),
      target,
      targetPath: parsePath(targetInput, `Connection ${source} -> ${target}: target input`),
    });
    return this;
  }

  /** Runs `after` once `before` has finished, without passing data. */
  addDependency(before: NodeIds<N>, after: NodeIds<N>): this {
    this.dependencies.push([before, after]);
    return this;
  }

  build(this: [Missing] extends [never] ? WorkflowBuilder<M, N, Missing> : MissingRequiredParams<Missing>): Workflow<ResultsOf<N>>;
  build(): Workflow {
    return this.buildWith(new Set());
  }

  /**
   * Builds, counting the params named in `supplied` (`"nodeId:param"`) as given: a named workflow's
   * inputs supply them at run time (see `db.registerWorkflow`).
   */
  buildWith(supplied: ReadonlySet<string>): Workflow {
    const nodes = [...this.nodes.values()];
    const index = new Map(nodes.map((n, i) => [n.id, i] as const));
    const scope = this.options.dataflow;
    const resolved = nodes.map((n) => (n.definition ? { def: n.definition, owner: undefined } : resolveNode(n.type, scope)));

    const edges: Array<Set<number>> = nodes.map(() => new Set());
    const inputs: WorkflowConnection[][] = nodes.map(() => []);
    const known = (id: string, role: string) => {
      const i = index.get(id);
      if (i === undefined) {
        throw new WorkflowValidationError(
          `${role} ${quoteName(id)} is not a node of this workflow. ${didYouMean(id, index.keys()) || `It has ${index.size} node(s)`}`,
        );
      }
      return i;
    };
    for (const c of this.connections) {
      const s = known(c.source, "Connection source");
      const t = known(c.target, "Connection target");
      if (s === t) throw new WorkflowValidationError(`Node '${c.source}' is connected to itself`);
      const param = c.targetPath[0]!;
      checkParamNames(resolved[t]!.def.params, [param], `Connection to node '${c.target}'`);
      edges[t]!.add(s);
      inputs[t]!.push(c);
    }
    for (const [before, after] of this.dependencies) {
      const b = known(before, "Dependency");
      const a = known(after, "Dependency");
      if (a === b) throw new WorkflowValidationError(`Node '${before}' depends on itself`);
      edges[a]!.add(b);
    }

    nodes.forEach((n, i) => {
      const schema = resolved[i]!.def.params;
      checkParamNames(schema, Object.keys(n.params), `Node '${n.id}' (${n.type})`);
      for (const name of Object.keys(schema)) {
        if (!schema[name]!.required || n.params[name] !== undefined) continue;
        if (inputs[i]!.some((c) => c.targetPath[0] === name) || supplied.has(`${n.id}:${name}`)) continue;
        throw new WorkflowValidationError(`Node '${n.id}' (${n.type}): missing required parameter '${name}'`, {
          field: name,
          fix: "Give it in the node's params, or connect another node's output to it",
        });
      }
    });

    const order = topologicalOrder(nodes, edges);
    const reindex = new Map(order.map((old, i) => [old, i] as const));
    const sortedNodes = order.map((i) => nodes[i]!);
    return Object.freeze({
      name: this.options.name,
      nodes: sortedNodes,
      connections: [...this.connections],
      waitsFor: order.map((i) => [...edges[i]!].map((d) => reindex.get(d)!)),
      inputs: order.map((i) => inputs[i]!),
      index: new Map(sortedNodes.map((n, i) => [n.id, i] as const)),
      resolvedWith: scope,
      resolved: order.map((i) => resolved[i]!),
    });
  }
}

/** Cycle nodes named in the error; a longer cycle is summarized. */
const CYCLE_NAMES = 6;

/**
 * Depth-first post-order over "waits for" edges, with an explicit stack (a 100,000-node chain must
 * not overflow the call stack). A cycle is reported in execution order, shortened when long.
 */
function topologicalOrder(nodes: readonly WorkflowNode[], edges: ReadonlyArray<Set<number>>): number[] {
  const state = new Uint8Array(nodes.length);
  const order: number[] = [];
  const trail: number[] = [];
  const pending: Array<Iterator<number>> = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    trail.push(root);
    pending.push(edges[root]!.values());
    while (trail.length > 0) {
      const next = pending.at(-1)!.next();
      if (next.done) {
        const done = trail.pop()!;
        pending.pop();
        state[done] = 2;
        order.push(done);
        continue;
      }
      const dep = next.value;
      if (state[dep] === 2) continue;
      if (state[dep] === 1) throw cycleError(nodes, trail.slice(trail.lastIndexOf(dep)));
      state[dep] = 1;
      trail.push(dep);
      pending.push(edges[dep]!.values());
    }
  }
  return order;
}

function cycleError(nodes: readonly WorkflowNode[], cycle: readonly number[]): WorkflowValidationError {
  // Edges point from a node to what it waits for; print the cycle in execution order.
  const ids = [...cycle, cycle[0]!].reverse().map((k) => quoteName(nodes[k]!.id).slice(1, -1));
  const path = ids.length <= CYCLE_NAMES + 1 ? ids.join(" -> ") : `${ids.slice(0, CYCLE_NAMES).join(" -> ")} -> ... (${cycle.length} nodes in the cycle)`;
  return new WorkflowValidationError(`The workflow has a cycle: ${path}`, { fix: "Remove a connection or dependency of the cycle" });
}
