import { AsyncLocalStorage } from "node:async_hooks";
import type { NodeContext } from "@dataflow/kernel/plugin";
import { TenantError } from "@dataflow/kernel/plugin";
import { checkTenantId } from "./tenant-id.js";

const hasOwn = Object.hasOwn;

/**
 * The two ways to bind a tenant, `execute(wf, { tenantId })` and `tenancy.run(tenantId, fn)`,
 * resolved into exactly one validated tenant id per operation.
 */
export class TenantBinding {
  private readonly scope = new AsyncLocalStorage<string>();

  constructor(private readonly pattern: RegExp) {}

  /** Runs `fn` with `tenantId` bound for every operation it starts (validated now). */
  run<T>(tenantId: string, fn: () => T): T {
    if (typeof fn !== "function") throw new TenantError("tenancy.run(tenantId, fn) needs a function", { field: "fn" });
    return this.scope.run(checkTenantId(tenantId, this.pattern), fn);
  }

  /** The tenant bound by `run()` in this async context, if any. */
  current(): string | undefined {
    return this.scope.getStore();
  }

  /**
   * The tenant an operation runs for. Read once per operation, before any SQL. Fails closed: no
   * tenant, two different tenants, or a tenant id that is not valid is a `TenantError`.
   */
  resolve(ctx: NodeContext): string {
    const tenant = this.find(ctx);
    if (tenant === undefined) {
      throw new TenantError("No tenant is bound; operations on tenant models need one", {
        fix: "Pass execute(workflow, { tenantId }) or wrap the call in tenancy.run(tenantId, fn)",
      });
    }
    return tenant;
  }

  /**
   * The bound, validated tenant, or undefined when none is: for work that may or may not touch
   * tenant tables (raw SQL). Two different tenants are still a `TenantError`.
   */
  find(ctx: NodeContext | undefined): string | undefined {
    const fromRun = ctx === undefined ? undefined : runTenant(ctx);
    const fromScope = this.scope.getStore();
    if (fromRun !== undefined && fromScope !== undefined && fromRun !== fromScope) {
      throw new TenantError("Two different tenants are bound: execute({ tenantId }) and tenancy.run() disagree", {
        fix: "Bind the tenant in one place",
      });
    }
    const tenant = fromRun ?? fromScope;
    return tenant === undefined ? undefined : checkTenantId(tenant, this.pattern);
  }
}

/**
 * The run's `tenantId`, only when it is an own property of the options passed to `execute()`:
 * a value inherited from a polluted `Object.prototype` is not a binding. The runtime captured the
 * value when the run started; a later change of the options object is refused.
 */
function runTenant(ctx: NodeContext): string | undefined {
  const options = ctx.run?.options;
  const owned = options !== undefined && options !== null && hasOwn(options, "tenantId") ? options.tenantId : undefined;
  if (owned === undefined) return undefined;
  if (owned !== ctx.tenantId) {
    throw new TenantError("The tenantId of the execute() options changed while the run was in progress", { field: "tenantId" });
  }
  return owned;
}
