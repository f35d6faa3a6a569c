import { randomUUID } from "node:crypto";
import { ownProperties } from "./own.js";
import { quoteName, shortName } from "./names.js";
import { AbortError, ClosedError, DataFlowError, ValidationError, WorkflowExecutionError, WorkflowValidationError } from "./errors.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import type { ExecuteOptions, NodeContext, RunContext } from "./node.js";
import { checkParams } from "./params.js";
import { getPath, setPath } from "./paths.js";
import type { PluginContext, RunHooks } from "./plugin.js";
import type { NodeOwner, ResolvedNode } from "./registry.js";
import { resolveNode } from "./registry.js";
import { channels } from "./tracing.js";
import type { Workflow } from "./workflow.js";

export interface LocalRuntimeOptions {
  /** Resolve node types against this DataFlow only (default: every live instance). */
  dataflow?: NodeOwner;
  /** How many independent nodes may run at once (default 8). */
  maxConcurrency?: number;
  logger?: Logger;
}

export interface ExecuteResult<R = Record<string, any>> {
  results: R;
  runId: string;
}

interface Plan {
  readonly resolved: readonly ResolvedNode[];
  readonly dependents: readonly (readonly number[])[];
  readonly hooks: ReadonlyArray<{ plugin: string; hooks: RunHooks; ctx: PluginContext }>;
  readonly owners: readonly NodeOwner[];
}

const RUN_FAILED = "(run)";
const checkedStatic = new WeakSet<object>();

/** Execute options read as own properties only: nothing inherited (e.g. a polluted Object.prototype.tenantId) counts. */
function ownOptions(options: ExecuteOptions): ExecuteOptions {
  if (options === null || typeof options !== "object") throw new ValidationError("execute() options must be an object");
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(options)) out[key] = (options as Record<string, unknown>)[key];
  return out as ExecuteOptions;
}
/** The signal of runs that nobody can abort (one node, no caller signal): no controller per run. */
const NEVER_ABORTED = new AbortController().signal;

/** True for the signal of a run nobody can abort: adapters may skip their cancellation work. */
export function neverAborts(signal: AbortSignal): boolean {
  return signal === NEVER_ABORTED;
}

class Run implements RunContext {
  readonly state = new Map<symbol, unknown>();
  exclusive = 0;
  constructor(
    readonly runId: string,
    readonly signal: AbortSignal,
    readonly tenantId: string | undefined,
    readonly options: ExecuteOptions,
    readonly logger: Logger,
  ) {}
  enterExclusive(): void {
    this.exclusive++;
  }
  leaveExclusive(): void {
    if (this.exclusive > 0) this.exclusive--;
  }
}

export class LocalRuntime {
  private readonly plans = new WeakMap<Workflow, Plan>();
  private readonly scope: NodeOwner | undefined;
  private readonly maxConcurrency: number;
  private readonly logger: Logger;

  constructor(given: LocalRuntimeOptions = {}) {
    const options = ownProperties(given ?? {}) as LocalRuntimeOptions;
    this.scope = options.dataflow;
    const max = options.maxConcurrency ?? 8;
    if (!Number.isInteger(max) || max < 1) throw new ValidationError("maxConcurrency must be a positive integer", { field: "maxConcurrency" });
    this.maxConcurrency = max;
    this.logger = options.logger ?? silentLogger;
  }

  private plan(wf: Workflow): Plan {
    let plan = this.plans.get(wf);
    if (plan) return plan;
    const resolved =
      wf.resolvedWith === this.scope
        ? wf.resolved
        : wf.nodes.map((n) => (n.definition ? { def: n.definition, owner: undefined } : resolveNode(n.type, this.scope)));
    const dependents: number[][] = wf.nodes.map(() => []);
    wf.waitsFor.forEach((deps, i) => deps.forEach((d) => dependents[d]!.push(i)));
    const owners = new Set<NodeOwner>();
    for (const r of resolved) if (r.owner) owners.add(r.owner);
    const hooks = [...owners].flatMap((owner) =>
      owner.plugins.filter((p) => p.runHooks).map((p) => ({ plugin: p.name, hooks: p.runHooks!, ctx: owner.context })),
    );
    plan = { resolved, dependents, hooks, owners: [...owners] };
    this.plans.set(wf, plan);
    return plan;
  }

  /** Runs a built workflow. Rejects with `WorkflowExecutionError` when a node fails. */
  execute<R extends object = Record<string, any>>(workflow: Workflow<R>, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
    if (!channels.run.hasSubscribers) return this.executeRun<R>(workflow, options);
    const trace = { runId: "" };
    return channels.run.tracePromise(async () => {
      const out = await this.executeRun<R>(workflow, options);
      trace.runId = out.runId;
      return out;
    }, trace);
  }

  private async executeRun<R>(workflow: Workflow, given: ExecuteOptions): Promise<ExecuteResult<R>> {
    const options = ownOptions(given);
    if (!workflow || !Array.isArray(workflow.nodes) || !workflow.index) {
      throw new WorkflowValidationError("execute() takes a workflow from WorkflowBuilder.build()");
    }
    if (this.scope?.isClosed) throw new WorkflowExecutionError(RUN_FAILED, randomUUID(), ClosedError.ofInstance(), {});
    const plan = this.plan(workflow);
    if (plan.owners.some((owner) => owner.isClosed)) throw new WorkflowExecutionError(RUN_FAILED, randomUUID(), ClosedError.ofInstance(), {});
    if (options.parameters !== undefined) this.checkRuntimeParameters(workflow, options.parameters);
    if (options.tenantId !== undefined && typeof options.tenantId !== "string") {
      throw new ValidationError("tenantId must be a string", { field: "tenantId" });
    }
    const runId = randomUUID();
    const userSignal = options.signal;
    if (userSignal?.aborted) throw new WorkflowExecutionError(RUN_FAILED, runId, new AbortError("The run was aborted before it started"), {});
    // One node has no siblings to abort: it gets the caller's signal and no controller of its own.
    const single = workflow.nodes.length === 1;
    const controller = single ? undefined : new AbortController();
    const onAbort = () => controller!.abort(userSignal?.reason);
    if (controller && userSignal) userSignal.addEventListener("abort", onAbort, { once: true });
    const run = new Run(runId, controller?.signal ?? userSignal ?? NEVER_ABORTED, options.tenantId, options, this.logger);
    const results: Record<string, unknown> = {};
    let failure: WorkflowExecutionError | undefined;
    try {
      if (plan.hooks.length > 0) {
        try {
          for (const { hooks, ctx } of plan.hooks) {
            const pending = hooks.begin?.(run, ctx);
            if (pending) await pending;
          }
        } catch (error) {
          failure = new WorkflowExecutionError(RUN_FAILED, runId, error, results);
        }
      }
      if (!failure) {
        if (single) failure = await this.runSingle(workflow, plan, run, results);
        else await this.schedule(workflow, plan, run, results, controller!).catch((error: WorkflowExecutionError) => (failure = error));
      }
    } finally {
      if (controller && userSignal) userSignal.removeEventListener("abort", onAbort);
    }
    if (plan.hooks.length > 0) {
      const endError = await this.endHooks(plan, run, failure?.cause ?? failure);
      if (!failure && endError) throw new WorkflowExecutionError(endError.plugin, runId, endError.error, results);
    }
    if (failure) throw failure;
    return { results: results as R, runId };
  }

  private async runSingle(wf: Workflow, plan: Plan, run: Run, results: Record<string, unknown>): Promise<WorkflowExecutionError | undefined> {
    const id = wf.nodes[0]!.id;
    try {
      results[id] = await this.runNode(wf, plan, 0, run, results);
      return undefined;
    } catch (error) {
      const cause = run.signal.aborted && !(error instanceof DataFlowError) ? new AbortError(`Node '${id}' was aborted`, { cause: error }) : error;
      return new WorkflowExecutionError(id, run.runId, cause, {});
    }
  }

  private async endHooks(plan: Plan, run: Run, error: unknown): Promise<{ plugin: string; error: unknown } | undefined> {
    let first: { plugin: string; error: unknown } | undefined;
    for (let i = plan.hooks.length - 1; i >= 0; i--) {
      const { plugin, hooks, ctx } = plan.hooks[i]!;
      try {
        const pending = hooks.end?.(run, error, ctx);
        if (pending) await pending;
      } catch (e) {
        first ??= { plugin, error: e };
        run.logger.error({ runId: run.runId, plugin, err: e }, "run hook failed");
      }
    }
    return first;
  }

  private checkRuntimeParameters(wf: Workflow, parameters: Record<string, Record<string, unknown>>): void {
    for (const id of Object.keys(parameters)) {
      const i = wf.index.get(id);
      if (i === undefined) throw new WorkflowValidationError(`parameters: ${quoteName(id)} is not a node of this workflow`, { field: shortName(id) });
      const given = parameters[id];
      if (given === null || typeof given !== "object") throw new ValidationError(`parameters.${shortName(id)} must be an object`, { field: shortName(id) });
    }
  }

  private paramsFor(wf: Workflow, i: number, results: Record<string, unknown>, run: Run): Record<string, unknown> {
    const node = wf.nodes[i]!;
    let params = node.params as Record<string, unknown>;
    for (const c of wf.inputs[i]!) {
      const value = getPath(results[c.source], c.sourcePath);
      if (value === undefined) {
        throw new ValidationError(`Connection ${c.source}.${c.sourcePath.join(".")} -> ${c.target}.${c.targetPath.join(".")}: the source output has no value there`, {
          field: c.targetPath.join("."),
          fix: `Check the output shape of node '${c.source}'`,
        });
      }
      params = setPath(params, c.targetPath, value);
    }
    const given = run.options.parameters;
    const override = given !== undefined && Object.hasOwn(given, node.id) ? given[node.id] : undefined;
    if (override) params = { ...params, ...override };
    return params;
  }

  private runNode(wf: Workflow, plan: Plan, i: number, run: Run, results: Record<string, unknown>): Promise<unknown> {
    const node = wf.nodes[i]!;
    const def = plan.resolved[i]!.def;
    try {
      if (run.signal.aborted) throw new AbortError(`The run was aborted before node '${node.id}' started`, { cause: run.signal.reason });
      const params = this.paramsFor(wf, i, results, run);
      // Static params are immutable: once they pass, the same object needs no second check.
      if (params !== node.params || !checkedStatic.has(params)) {
        checkParams(def.params, params, `Node '${node.id}' (${node.type})`);
        if (params === node.params) checkedStatic.add(params);
      }
      const ctx: NodeContext = { nodeId: node.id, runId: run.runId, signal: run.signal, logger: run.logger, tenantId: run.tenantId, run };
      if (channels.node.hasSubscribers) {
        return channels.node.tracePromise(async () => def.run(params, ctx), { runId: run.runId, nodeId: node.id, nodeType: node.type });
      }
      return Promise.resolve(def.run(params, ctx));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private schedule(wf: Workflow, plan: Plan, run: Run, results: Record<string, unknown>, controller: AbortController): Promise<void> {
    const count = wf.nodes.length;
    if (count === 0) return Promise.resolve();
    const remaining = wf.waitsFor.map((w) => w.length);
    const ready: number[] = [];
    for (let i = 0; i < count; i++) if (remaining[i] === 0) ready.push(i);
    let running = 0;
    let finished = 0;
    let failed: WorkflowExecutionError | undefined;

    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        if (running > 0) return;
        if (failed) reject(failed);
        else if (finished === count) resolve();
      };
      const pump = () => {
        while (!failed && ready.length > 0 && running < (run.exclusive > 0 ? 1 : this.maxConcurrency)) {
          const i = ready.shift()!;
          running++;
          this.runNode(wf, plan, i, run, results).then(
            (output) => {
              running--;
              finished++;
              results[wf.nodes[i]!.id] = output;
              for (const d of plan.dependents[i]!) if (--remaining[d]! === 0) ready.push(d);
              pump();
              settle();
            },
            (error: unknown) => {
              running--;
              if (!failed) {
                const cause = run.signal.aborted && !(error instanceof DataFlowError)
                  ? new AbortError(`Node '${wf.nodes[i]!.id}' was aborted`, { cause: error })
                  : error;
                failed = new WorkflowExecutionError(wf.nodes[i]!.id, run.runId, cause, { ...results });
                controller.abort(failed);
              }
              settle();
            },
          );
        }
      };
      pump();
    });
  }
}
