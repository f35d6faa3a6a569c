// The one path every surface takes to run a workflow: policy, caps, then the run.
import type { ExecuteResult, Logger, NamedWorkflow, ProgressListener, Workflows } from "@dataflow/kernel";
import { ValidationError } from "@dataflow/kernel";
import { silentLogger } from "@dataflow/kernel/plugin";
import type { Credentials, Decision, PolicyOptions, Surface } from "./policy.js";
import { Policy } from "./policy.js";
import type { Problem } from "./problem.js";
import { problemCause, toProblem } from "./problem.js";

export interface Limits {
  /** Largest `limit` a List may ask for (default 1,000). */
  readonly maxLimit?: number;
  /** `limit` of a List that gives none (default 100). */
  readonly defaultLimit?: number;
}

export interface RunOptions {
  /** The surface's own read-only rule (MCP without writes), on top of the policy's. */
  readonly readOnly?: boolean;
  readonly signal?: AbortSignal;
  /** Progress of bulk and streaming nodes, for the CLI's display. */
  readonly onProgress?: ProgressListener;
}

const NO_OPTIONS: RunOptions = Object.freeze({});

export interface GatewayOptions extends PolicyOptions, Limits {
  /**
   * Where failures that are the server's own (answers of status 500 and above) are logged with their
   * full detail, which the client never sees. Pino-compatible. Default: the DataFlow's logger.
   */
  readonly logger?: Logger;
}

export class Gateway {
  readonly policy: Policy;
  readonly maxLimit: number;
  readonly defaultLimit: number;
  readonly logger: Logger;

  constructor(
    readonly workflows: Workflows,
    options: GatewayOptions = {},
  ) {
    this.policy = new Policy(options);
    this.logger = options.logger ?? (workflows.dataflow as { logger?: Logger }).logger ?? silentLogger;
    this.maxLimit = options.maxLimit ?? 1000;
    this.defaultLimit = options.defaultLimit ?? Math.min(100, this.maxLimit);
    if (!Number.isInteger(this.maxLimit) || this.maxLimit < 1) throw new ValidationError("maxLimit must be a positive integer", { field: "maxLimit" });
    if (!Number.isInteger(this.defaultLimit) || this.defaultLimit < 1 || this.defaultLimit > this.maxLimit) {
      throw new ValidationError("defaultLimit must be a positive integer no larger than maxLimit", { field: "defaultLimit" });
    }
  }

  /** The workflows the policy lets anyone see (allow/deny, read-only); `readOnly` adds the surface's own read-only rule. */
  visible(readOnly = false): NamedWorkflow[] {
    return [...this.workflows].filter((wf) => this.policy.permits(wf, readOnly));
  }

  /** Runs `name` for the caller; rejects with the typed refusal or failure. */
  execute(name: string, inputs: unknown, credentials: Credentials, options: RunOptions = NO_OPTIONS): Promise<ExecuteResult> {
    try {
      const wf = this.workflows.get(name);
      const decision = this.policy.decideEagerly(wf, credentials, options.readOnly ?? false);
      return decision instanceof Promise ? decision.then((d) => this.run(wf, inputs, d, options)) : this.run(wf, inputs, decision, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private run(wf: NamedWorkflow, inputs: unknown, decision: Decision, options: RunOptions): Promise<ExecuteResult> {
    const capped = wf.operation === "List" ? this.capList(inputs) : inputs;
    const { tenantId } = decision;
    if (tenantId === undefined && options.signal === undefined && options.onProgress === undefined) return this.workflows.execute(wf.name, capped);
    return this.workflows.execute(wf.name, capped, {
      ...(tenantId !== undefined ? { tenantId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  /**
   * The problem a surface answers for `error`. A failure of the server's own (5xx) is logged here,
   * once for every surface, with what the client does not get: the message, the cause chain, the stack.
   */
  problem(error: unknown, where: { readonly surface: Surface; readonly workflow?: string | undefined }): Problem {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      this.logger.error(
        {
          surface: where.surface,
          ...(where.workflow !== undefined ? { workflow: where.workflow } : {}),
          status: problem.status,
          errorClass: problem.errorClass,
          ...(problem.runId !== undefined ? { runId: problem.runId } : {}),
          ...(problem.nodeId !== undefined ? { nodeId: problem.nodeId } : {}),
          err: problemCause(error),
        },
        "request failed",
      );
    }
    return problem;
  }

  private capList(inputs: unknown): unknown {
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) return inputs;
    const given = inputs as Record<string, unknown>;
    if (given.limit === undefined) return { ...given, limit: this.defaultLimit };
    if (typeof given.limit === "number" && given.limit > this.maxLimit) {
      throw new ValidationError(`limit ${given.limit} is above this server's maximum of ${this.maxLimit}`, {
        field: "limit",
        fix: `Ask for at most ${this.maxLimit} rows and page on with 'after' (the nextCursor of the previous page)`,
      });
    }
    return given;
  }
}
