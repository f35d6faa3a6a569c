import { hasOwnProperty, ownProperties, ownValue } from "./own.js";
import { uuidPrefix } from "./random.js";
import { quoteName, shortName } from "./names.js";
import {
  AbortError,
  ClosedError,
  ConstraintViolationError,
  DataFlowError,
  NotFoundError,
  UniqueViolationError,
  ValidationError,
  WorkflowExecutionError,
  WorkflowValidationError,
} from "./errors.js";
import type { Logger } from "./logger.js";
import { silentLogger } from "./logger.js";
import type { ExecuteOptions, NodeContext, RunContext } from "./node.js";
import { checkOwnParamValues, checkParamValue, checkParamValues, checkRequired } from "./params.js";
import { getPath, setPath } from "./paths.js";
import type { PluginContext, RunHooks } from "./plugin.js";
import type { NodeOwner, ResolvedNode } from "./registry.js";
import { resolveNode } from "./registry.js";
import type { RunTraceContext } from "./tracing.js";
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
  /** Per node: how many nodes it waits for (copied per run). */
  readonly waitCounts: readonly number[];
  /** Nodes that wait for nothing, in order. */
  readonly roots: readonly number[];
  /** Per node: "Node 'id' (type)", the prefix of its parameter errors. */
  readonly where: readonly string[];
  /** Per node: required params that its static params leave open (a connection or the run's parameters must give them). */
  readonly open: readonly (readonly string[])[];
  /** Per node: its static params have passed (names, types and values need no second check). */
  readonly staticChecked: boolean[];
  /** Per node: the names of its static params. */
  readonly staticNames: readonly (readonly string[])[];
  /** Per node: each of its connections sets a whole param (no nested target path). */
  readonly flatInputs: readonly boolean[];
  /** The logger of the runs: the runtime's, else the first owner's; undefined when nobody logs (no log work at all). */
  readonly logger: Logger | undefined;
}

const RUN_FAILED = "(run)";

/** Execute options read as own properties only: nothing inherited (e.g. a polluted Object.prototype.tenantId) counts. */
/** Every key of ExecuteOptions, present: a new option that `ownOptions` does not copy fails to compile. */
type CopiedOptions = { [K in keyof Required<ExecuteOptions>]: ExecuteOptions[K] | undefined };

function ownOptions(options: ExecuteOptions): ExecuteOptions {
  if (options === null || typeof options !== "object") throw new ValidationError("execute() options must be an object");
  // Plain loads first: an option that is absent (most are, on most runs) costs no Object.hasOwn call;
  // a value that is present counts only when it is an own property.
  const { parameters, signal, tenantId, transaction, onProgress, progressIntervalMs } = options;
  // One fixed shape (no dictionary-mode copy) holding every option of ExecuteOptions, own properties only.
  const copied: CopiedOptions = {
    parameters: parameters !== undefined && Object.hasOwn(options, "parameters") ? parameters : undefined,
    signal: signal !== undefined && Object.hasOwn(options, "signal") ? signal : undefined,
    tenantId: tenantId !== undefined && Object.hasOwn(options, "tenantId") ? tenantId : undefined,
    transaction: transaction !== undefined && Object.hasOwn(options, "transaction") ? transaction : undefined,
    onProgress: onProgress !== undefined && Object.hasOwn(options, "onProgress") ? onProgress : undefined,
    progressIntervalMs: progressIntervalMs !== undefined && Object.hasOwn(options, "progressIntervalMs") ? progressIntervalMs : undefined,
  };
  return copied as ExecuteOptions;
}
/** The signal of runs that nobody can abort (one node, no caller signal): no controller per run. */
const NEVER_ABORTED = new AbortController().signal;

/** True for the signal of a run nobody can abort: adapters may skip their cancellation work. */
export function neverAborts(signal: AbortSignal): boolean {
  return signal === NEVER_ABORTED;
}

/**
 * Run ids: UUID-shaped, a random per-process prefix (see `uuidPrefix`) and a counter (unique, and far cheaper per run
 * than a fresh random UUID; they identify runs, they are not secrets). The counter's 12 hex digits
 * are 8 formatted once per 65,536 runs and 4 from a table.
 */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const HIGH_LIMIT = 2 ** 32;
let runIdPrefix = uuidPrefix();
let runIdHigh = 0;
let runIdHead = runIdPrefix + "00000000";
let runIdLow = 0;
/** `runIdHead` and the counter's next-to-last byte: one concatenation per run. */
let runIdMiddle = runIdHead + HEX_BYTE[0]!;

function nextRunId(): string {
  if (runIdLow === 65536) {
    runIdLow = 0;
    if (++runIdHigh === HIGH_LIMIT) {
      runIdPrefix = uuidPrefix();
      runIdHigh = 0;
    }
    runIdHead = runIdPrefix + runIdHigh.toString(16).padStart(8, "0");
    runIdMiddle = runIdHead + HEX_BYTE[0]!;
  }
  const low = runIdLow++;
  const last = low & 255;
  if (last === 0 && low !== 0) runIdMiddle = runIdHead + HEX_BYTE[low >> 8]!;
  return runIdMiddle + HEX_BYTE[last]!;
}

/**
 * One run. A multi-node run's signal (aborted when a node fails, or when the caller's signal
 * aborts) is created on first read: nodes that never read `ctx.signal` (SQLite's) cost no
 * AbortController and no listener on the caller's signal.
 *
 * A single-node run is also its node's context (`ctx.run === ctx`): one object per run instead of two.
 */
class Run implements RunContext, NodeContext {
  exclusive = 0;
  /** Created on first use: most runs have no plugin state. */
  private stateMap: Map<symbol, unknown> | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private fixed: AbortSignal | undefined;
  private siblingFailure: unknown = undefined;
  private failed = false;
  /** Set when the run is over: a signal first read later (by a node's leftover work) adds no listener. */
  private finished = false;
  /** Added to the caller's signal when a multi-node run's signal is first read. */
  private onCallerAbort: (() => void) | undefined = undefined;
  constructor(
    readonly runId: string,
    /** Single-node runs: the caller's signal or NEVER_ABORTED. Multi-node runs: undefined (created on demand). */
    fixed: AbortSignal | undefined,
    private readonly caller: AbortSignal | undefined,
    readonly tenantId: string | undefined,
    readonly options: ExecuteOptions,
    readonly logger: Logger,
    /** Single-node runs: the node's id (the run is its context). Multi-node runs: "" (each node gets a `Context`). */
    readonly nodeId: string,
  ) {
    this.fixed = fixed;
  }

  /** The run of the context: itself (see the class comment). */
  get run(): Run {
    return this;
  }

  get state(): Map<symbol, unknown> {
    return (this.stateMap ??= new Map());
  }

  peekState(key: symbol): unknown {
    return this.stateMap?.get(key);
  }

  get signal(): AbortSignal {
    if (this.fixed !== undefined) return this.fixed;
    const controller = new AbortController();
    this.controller = controller;
    this.fixed = controller.signal;
    const caller = this.caller;
    if (this.failed) controller.abort(this.siblingFailure);
    else if (caller?.aborted) controller.abort(caller.reason);
    else if (!this.finished && caller !== undefined) {
      this.onCallerAbort = () => controller.abort(caller.reason);
      caller.addEventListener("abort", this.onCallerAbort, { once: true });
    }
    return controller.signal;
  }

  /** Aborted, without creating a signal for the question. */
  get aborted(): boolean {
    // NEVER_ABORTED is never aborted: no getter call for the runs that cannot be.
    if (this.fixed !== undefined) return this.fixed !== NEVER_ABORTED && this.fixed.aborted;
    return this.failed || this.caller?.aborted === true;
  }

  /** A node failed: the other nodes' signal aborts with `reason`. */
  abort(reason: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.siblingFailure = reason;
    this.controller?.abort(reason);
  }

  /** The run is over: stop listening to the caller's signal. */
  finish(): void {
    this.finished = true;
    if (this.onCallerAbort !== undefined) this.caller!.removeEventListener("abort", this.onCallerAbort);
  }

  enterExclusive(): void {
    this.exclusive++;
  }
  leaveExclusive(): void {
    if (this.exclusive > 0) this.exclusive--;
  }
}

/** What a node of a multi-node run gets; the run's signal is read (and created) only if the node asks for it. */
class Context implements NodeContext {
  constructor(
    readonly nodeId: string,
    readonly run: Run,
  ) {}
  get runId(): string {
    return this.run.runId;
  }
  get signal(): AbortSignal {
    return this.run.signal;
  }
  get logger(): Logger {
    return this.run.logger;
  }
  get tenantId(): string | undefined {
    return this.run.tenantId;
  }
}

function checkProgressOptions(options: ExecuteOptions): void {
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw new ValidationError("onProgress must be a function", { field: "onProgress", fix: "Pass onProgress: (event) => ..." });
  }
  const interval = options.progressIntervalMs;
  if (interval !== undefined && (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0)) {
    throw new ValidationError("progressIntervalMs must be a number of milliseconds, 0 or more", { field: "progressIntervalMs" });
  }
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

/** An error for a log line: its typed class, code, field and message (DataFlow messages name fields, never values). */
export function describeError(error: unknown): { class: string; code?: string; field?: string; message: string } {
  if (error instanceof DataFlowError) {
    const out: { class: string; code?: string; field?: string; message: string } = { class: error.name, code: error.code, message: error.message };
    if (error.field !== undefined) out.field = error.field;
    return out;
  }
  return { class: error instanceof Error ? error.name : typeof error, message: error instanceof Error ? error.message : String(error) };
}

/** Failures the caller caused (bad input, missing rows, constraint conflicts, aborts): logged at warn, the rest at error. */
function isCallerMistake(error: unknown): boolean {
  return (
    error instanceof ValidationError ||
    error instanceof NotFoundError ||
    error instanceof UniqueViolationError ||
    error instanceof ConstraintViolationError ||
    error instanceof AbortError
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function nodeFailure(id: string, run: Run, error: unknown, results: Record<string, unknown>): WorkflowExecutionError {
  const cause = run.aborted && !(error instanceof DataFlowError) ? new AbortError(`Node '${id}' was aborted`, { cause: error }) : error;
  return new WorkflowExecutionError(id, run.runId, cause, results);
}

export class LocalRuntime {
  private readonly plans = new WeakMap<Workflow, Plan>();
  private lastWorkflow: Workflow | undefined;
  private lastPlan: Plan | undefined;
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

  /** The runtime's own logger, else the one of the DataFlow whose nodes the workflow uses. */
  private runLogger(owners: ReadonlySet<NodeOwner>): Logger | undefined {
    if (this.logger !== silentLogger) return this.logger;
    for (const owner of owners) {
      const logger = (owner as { logger?: Logger }).logger;
      if (logger !== undefined && logger !== silentLogger) return logger;
    }
    return undefined;
  }

  private plan(wf: Workflow): Plan {
    if (wf === this.lastWorkflow) return this.lastPlan!;
    let plan = this.plans.get(wf);
    if (plan) return this.remember(wf, plan);
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
    const waitCounts = wf.waitsFor.map((w) => w.length);
    plan = {
      resolved,
      dependents,
      hooks,
      owners: [...owners],
      waitCounts,
      roots: waitCounts.flatMap((n, i) => (n === 0 ? [i] : [])),
      where: wf.nodes.map((n) => `Node '${n.id}' (${n.type})`),
      logger: this.runLogger(owners),
      open: wf.nodes.map((n, i) => {
        const schema = resolved[i]!.def.params;
        return Object.keys(schema).filter((name) => schema[name]!.required && !(Object.hasOwn(n.params, name) && n.params[name] !== undefined));
      }),
      staticChecked: wf.nodes.map(() => false),
      staticNames: wf.nodes.map((n) => Object.keys(n.params)),
      flatInputs: wf.inputs.map((inputs) => inputs.every((c) => c.targetPath.length === 1)),
    };
    this.plans.set(wf, plan);
    return this.remember(wf, plan);
  }

  /** Keeps the last plan at hand: a runtime mostly runs the same workflow again (no WeakMap lookup then). */
  private remember(wf: Workflow, plan: Plan): Plan {
    this.lastWorkflow = wf;
    this.lastPlan = plan;
    return plan;
  }

  /** Runs a built workflow. Rejects with `WorkflowExecutionError` when a node fails. */
  execute<R extends object = Record<string, any>>(workflow: Workflow<R>, options: ExecuteOptions = {}): Promise<ExecuteResult<R>> {
    if (!channels.run.hasSubscribers) return this.executeRun<R>(workflow, options);
    const trace: RunTraceContext = { runId: "", workflow: workflow?.name, nodeCount: workflow?.nodes?.length ?? 0 };
    return channels.run.tracePromise(async () => {
      try {
        const out = await this.executeRun<R>(workflow, options);
        trace.runId = out.runId;
        return out;
      } catch (error) {
        if (error instanceof WorkflowExecutionError) trace.runId = error.runId;
        throw error;
      }
    }, trace);
  }

  /** Logs the run's start (debug), its end (info) and a node failure (warn for a caller's mistake, else error). */
  private logged<R>(logger: Logger, workflow: Workflow, run: Run, pending: () => Promise<ExecuteResult<R>>): Promise<ExecuteResult<R>> {
    const start = performance.now();
    const base = { runId: run.runId, workflow: workflow.name, nodeCount: workflow.nodes.length };
    logger.debug(base, "run started");
    return pending().then(
      (out) => {
        logger.info({ ...base, durationMs: elapsed(start), ok: true }, "run finished");
        return out;
      },
      (error: unknown) => {
        const failure = error instanceof WorkflowExecutionError ? error : undefined;
        const cause = failure ? failure.cause : error;
        const fields = { ...base, durationMs: elapsed(start), ok: false, nodeId: failure?.nodeId, error: describeError(cause) };
        if (isCallerMistake(cause)) logger.warn(fields, "run failed");
        else logger.error(fields, "run failed");
        throw error;
      },
    );
  }

  /** Checks the call and starts the run; a workflow without run hooks takes no extra async step. */
  private executeRun<R>(workflow: Workflow, given: ExecuteOptions): Promise<ExecuteResult<R>> {
    let run: Run;
    let plan: Plan;
    try {
      const options = ownOptions(given);
      if (!workflow || !Array.isArray(workflow.nodes) || !workflow.index) {
        throw new WorkflowValidationError("execute() takes a workflow from WorkflowBuilder.build()");
      }
      if (this.scope?.isClosed) throw new WorkflowExecutionError(RUN_FAILED, nextRunId(), ClosedError.ofInstance(), {});
      plan = this.plan(workflow);
      for (const owner of plan.owners) if (owner.isClosed) throw new WorkflowExecutionError(RUN_FAILED, nextRunId(), ClosedError.ofInstance(), {});
      if (options.parameters !== undefined) this.checkRuntimeParameters(workflow, options.parameters);
      if (options.tenantId !== undefined && typeof options.tenantId !== "string") {
        throw new ValidationError("tenantId must be a string", { field: "tenantId" });
      }
      if (options.onProgress !== undefined || options.progressIntervalMs !== undefined) checkProgressOptions(options);
      const runId = nextRunId();
      const caller = options.signal;
      if (caller?.aborted) throw new WorkflowExecutionError(RUN_FAILED, runId, new AbortError("The run was aborted before it started"), {});
      // One node has no siblings to abort: it gets the caller's signal and no controller of its own.
      const fixed = workflow.nodes.length === 1 ? (caller ?? NEVER_ABORTED) : undefined;
      run = new Run(runId, fixed, caller, options.tenantId, options, plan.logger ?? this.logger, fixed === undefined ? "" : workflow.nodes[0]!.id);
    } catch (error) {
      return Promise.reject(error);
    }
    if (plan.logger !== undefined) return this.logged<R>(plan.logger, workflow, run, () => this.startRun<R>(workflow, plan, run));
    return this.startRun<R>(workflow, plan, run);
  }

  private startRun<R>(workflow: Workflow, plan: Plan, run: Run): Promise<ExecuteResult<R>> {
    if (plan.hooks.length > 0) return this.runWithHooks<R>(workflow, plan, run);
    if (workflow.nodes.length === 1) return this.runSingle<R>(workflow, plan, run);
    const results: Record<string, unknown> = {};
    let pending: Promise<void> | undefined;
    try {
      pending = this.schedule(workflow, plan, run, results);
    } catch (error) {
      run.finish();
      return Promise.reject(error);
    }
    if (pending === undefined) {
      // Every node answered synchronously: no promise step per node, one for the result.
      run.finish();
      return Promise.resolve({ results: results as R, runId: run.runId });
    }
    return pending.then(
      () => {
        run.finish();
        return { results: results as R, runId: run.runId };
      },
      (error: unknown) => {
        run.finish();
        throw error;
      },
    );
  }

  private runSingle<R>(wf: Workflow, plan: Plan, run: Run): Promise<ExecuteResult<R>> {
    const id = wf.nodes[0]!.id;
    const results: Record<string, unknown> = {};
    let output: unknown;
    try {
      output = this.startNode(wf, plan, 0, run, results);
    } catch (error) {
      return Promise.reject(nodeFailure(id, run, error, {}));
    }
    if (!(output instanceof Promise) && !isThenable(output)) {
      // A node that answered synchronously: no promise step between its output and the result.
      results[id] = output;
      return Promise.resolve({ results: results as R, runId: run.runId });
    }
    return Promise.resolve(output).then(
      (value) => {
        results[id] = value;
        return { results: results as R, runId: run.runId };
      },
      (error: unknown) => {
        throw nodeFailure(id, run, error, {});
      },
    );
  }

  private async runWithHooks<R>(workflow: Workflow, plan: Plan, run: Run): Promise<ExecuteResult<R>> {
    const results: Record<string, unknown> = {};
    let failure: WorkflowExecutionError | undefined;
    try {
      try {
        for (const { hooks, ctx } of plan.hooks) {
          const pending = hooks.begin?.(run, ctx);
          if (pending) await pending;
        }
      } catch (error) {
        failure = new WorkflowExecutionError(RUN_FAILED, run.runId, error, results);
      }
      if (!failure) {
        if (workflow.nodes.length === 1) {
          const id = workflow.nodes[0]!.id;
          try {
            results[id] = await this.runNode(workflow, plan, 0, run, results);
          } catch (error) {
            failure = nodeFailure(id, run, error, {});
          }
        } else {
          try {
            await this.schedule(workflow, plan, run, results);
          } catch (error) {
            failure = error as WorkflowExecutionError;
          }
        }
      }
    } finally {
      run.finish();
    }
    const endError = await this.endHooks(plan, run, failure?.cause ?? failure);
    if (!failure && endError) throw new WorkflowExecutionError(endError.plugin, run.runId, endError.error, results);
    if (failure) throw failure;
    return { results: results as R, runId: run.runId };
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
    // for-in with an own check: Object.keys' names, without allocating their array on every run.
    for (const id in parameters) {
      if (!hasOwnProperty.call(parameters, id)) continue;
      const i = wf.index.get(id);
      if (i === undefined) throw new WorkflowValidationError(`parameters: ${quoteName(id)} is not a node of this workflow`, { field: shortName(id) });
      const given = parameters[id];
      if (given === null || typeof given !== "object") throw new ValidationError(`parameters.${shortName(id)} must be an object`, { field: shortName(id) });
    }
  }

  /**
   * The node's params for this run: static, then connected values, then the run's parameters. Nothing is
   * copied when nothing is merged: the static params as they are, or the run's parameters for the node when
   * they give every static param (a plain object; its own values are the merged ones).
   */
  private paramsFor(
    wf: Workflow,
    plan: Plan,
    i: number,
    results: Record<string, unknown>,
    override: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    const staticParams = wf.nodes[i]!.params as Record<string, unknown>;
    const inputs = wf.inputs[i]!;
    if (inputs.length === 0) {
      if (override === undefined) return staticParams;
      return givesAll(override, plan.staticNames[i]!) ? override : { ...staticParams, ...override };
    }
    // One copy for all the connections (and the run's parameters, when every connection sets a whole param: a
    // connected param that the run's parameters also give is then replaced, so it is not set); a connection into
    // a nested param copies the objects on its path.
    const once = override !== undefined && plan.flatInputs[i]!;
    let params: Record<string, unknown> = once ? { ...staticParams, ...override } : { ...staticParams };
    for (let k = 0; k < inputs.length; k++) {
      const c = inputs[k]!;
      const value = getPath(results[c.source], c.sourcePath);
      if (value === undefined) {
        throw new ValidationError(
          `Connection ${c.source}.${c.sourcePath.join(".")} -> ${c.target}.${c.targetPath.join(".")}: the source output has no value there`,
          {
            field: c.targetPath.join("."),
            fix: `Check the output shape of node '${c.source}'`,
          },
        );
      }
      if (c.targetPath.length === 1) {
        if (!once || !Object.hasOwn(override, c.targetPath[0]!)) params[c.targetPath[0]!] = value;
      } else params = setPath(params, c.targetPath, value);
    }
    return override === undefined || once ? params : { ...params, ...override };
  }

  /**
   * Checks what can differ between runs (the run's parameters, the connected params, the required
   * ones the static params leave open); the static params themselves are checked once.
   */
  private checkNodeParams(wf: Workflow, plan: Plan, i: number, params: Record<string, unknown>, override: Record<string, unknown> | undefined): void {
    const node = wf.nodes[i]!;
    const schema = plan.resolved[i]!.def.params;
    const where = plan.where[i]!;
    if (!plan.staticChecked[i]) {
      checkParamValues(schema, node.params as Record<string, unknown>, plan.staticNames[i]!, where);
      plan.staticChecked[i] = true;
    }
    if (override) checkOwnParamValues(schema, params, override, where);
    const inputs = wf.inputs[i]!;
    for (let k = 0; k < inputs.length; k++) checkParamValue(schema, params, inputs[k]!.targetPath[0]!, where);
    const open = plan.open[i]!;
    if (open.length > 0) checkRequired(params, open, where);
  }

  private runNode(wf: Workflow, plan: Plan, i: number, run: Run, results: Record<string, unknown>): Promise<unknown> {
    try {
      return Promise.resolve(this.startNode(wf, plan, i, run, results));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Checks the node's params for this run and calls its `run`: its output or promise; throws what fails before. */
  private startNode(wf: Workflow, plan: Plan, i: number, run: Run, results: Record<string, unknown>): unknown {
    const node = wf.nodes[i]!;
    if (run.aborted) throw new AbortError(`The run was aborted before node '${node.id}' started`, { cause: run.signal.reason });
    const given = run.options.parameters;
    const override = given === undefined ? undefined : (ownValue(given, node.id) as Record<string, unknown> | undefined);
    const params = this.paramsFor(wf, plan, i, results, override);
    this.checkNodeParams(wf, plan, i, params, override);
    const def = plan.resolved[i]!.def;
    const ctx: NodeContext = run.nodeId === "" ? new Context(node.id, run) : run;
    if (channels.node.hasSubscribers) {
      return channels.node.tracePromise(async () => def.run(params, ctx), { runId: run.runId, nodeId: node.id, nodeType: node.type });
    }
    return def.run(params, ctx);
  }

  /**
   * Runs the nodes of a multi-node workflow, as many at once as allowed. A node that answers synchronously is
   * done at once (no promise step); undefined when every node did, else a promise of the end. Throws (or
   * rejects with) the first node's failure.
   */
  private schedule(wf: Workflow, plan: Plan, run: Run, results: Record<string, unknown>): Promise<void> | undefined {
    const count = wf.nodes.length;
    if (count === 0) return undefined;
    const remaining = plan.waitCounts.slice();
    const ready = plan.roots.slice();
    let head = 0;
    let running = 0;
    let failed: WorkflowExecutionError | undefined;
    let settled: { resolve: () => void; reject: (error: unknown) => void } | undefined;

    const succeed = (i: number, output: unknown) => {
      results[wf.nodes[i]!.id] = output;
      const dependents = plan.dependents[i]!;
      for (let k = 0; k < dependents.length; k++) if (--remaining[dependents[k]!]! === 0) ready.push(dependents[k]!);
    };
    const fail = (i: number, error: unknown) => {
      if (failed) return;
      failed = nodeFailure(wf.nodes[i]!.id, run, error, { ...results });
      run.abort(failed);
    };
    const settle = () => {
      if (running > 0 || settled === undefined) return;
      if (failed) settled.reject(failed);
      else if (head === count) settled.resolve();
    };
    const pump = () => {
      while (!failed && head < ready.length && running < (run.exclusive > 0 ? 1 : this.maxConcurrency)) {
        const i = ready[head++]!;
        let output: unknown;
        try {
          output = this.startNode(wf, plan, i, run, results);
        } catch (error) {
          fail(i, error);
          break;
        }
        if (!(output instanceof Promise) && !isThenable(output)) {
          succeed(i, output);
          continue;
        }
        running++;
        Promise.resolve(output).then(
          (value) => {
            running--;
            succeed(i, value);
            pump();
            settle();
          },
          (error: unknown) => {
            running--;
            fail(i, error);
            settle();
          },
        );
      }
    };
    pump();
    if (running === 0) {
      if (failed) throw failed;
      return undefined;
    }
    return new Promise<void>((resolve, reject) => {
      settled = { resolve, reject };
    });
  }
}

/** True when the run's parameters for a node give each of its static params (`names`), as own properties of a plain object. */
function givesAll(override: Record<string, unknown>, names: readonly string[]): boolean {
  if (Object.getPrototypeOf(override) !== Object.prototype) return false;
  for (let k = 0; k < names.length; k++) if (!Object.hasOwn(override, names[k]!)) return false;
  return true;
}
