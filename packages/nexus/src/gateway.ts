// The one path every surface takes to run a workflow: policy, caps, then the run.
import type { ExecuteResult, NamedWorkflow, ProgressListener, Workflows } from "@dataflow/kernel";
import { ValidationError } from "@dataflow/kernel";
import type { Credentials, PolicyOptions } from "./policy.js";
import { Policy } from "./policy.js";

export interface Limits {
  /** Largest `limit` a List may ask for (default 1,000). */
  readonly maxLimit?: number;
  /** `limit` of a List that gives none (default 100). */
  readonly defaultLimit?: number;
}

export interface GatewayOptions extends PolicyOptions, Limits {}

export class Gateway {
  readonly policy: Policy;
  readonly maxLimit: number;
  readonly defaultLimit: number;

  constructor(
    readonly workflows: Workflows,
    options: GatewayOptions = {},
  ) {
    this.policy = new Policy(options);
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

  /** Runs `name` for the caller, or throws the typed refusal or failure. */
  async execute(
    name: string,
    inputs: unknown,
    credentials: Credentials,
    options: { readOnly?: boolean; signal?: AbortSignal; onProgress?: ProgressListener } = {},
  ): Promise<ExecuteResult> {
    const wf = this.workflows.get(name);
    const decision = await this.policy.decide(wf, credentials, options.readOnly ?? false);
    const capped = wf.operation === "List" ? this.capList(inputs) : inputs;
    return this.workflows.execute(name, capped, {
      ...(decision.tenantId !== undefined ? { tenantId: decision.tenantId } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
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
