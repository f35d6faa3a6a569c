import type { ModelOperation, NodeContext } from "@dataflow/kernel/plugin";
import { PluginError, TenantError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, TransactionHandle } from "@dataflow/sql-core";
import { assertNoHiddenCollisions } from "./collision-check.js";
import { RlsPolicies, SET_TENANT } from "./rls-policies.js";
import { scopeOperation, writesExplicitKeys } from "./row-scope.js";
import type { Next, TenantStrategy } from "./strategy.js";
import { TENANT_ID_PATTERN } from "./tenant-id.js";

/** PostgreSQL's SQLSTATE for a row that fails a row-level security policy (and other privilege errors). */
const INSUFFICIENT_PRIVILEGE = "42501";

function isPolicyViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    if (code === INSUFFICIENT_PRIVILEGE && typeof message === "string" && message.includes("row-level security")) return true;
  }
  return false;
}

/**
 * `rls`: PostgreSQL row-level security as a second layer under the AST scoping. Each operation runs
 * in a transaction (or a savepoint of the caller's) that first sets `app.tenant_id` with
 * `set_config(..., true)`, so the setting never outlives the transaction on a pooled connection.
 */
export class RlsStrategy implements TenantStrategy {
  readonly name = "rls" as const;
  readonly tenantPattern = TENANT_ID_PATTERN;
  private readonly policies = new RlsPolicies();
  /** The tenant of each open transaction: a transaction carries one tenant setting, so it serves one tenant. */
  private readonly owners = new WeakMap<TransactionHandle, string>();

  checkDatabase(adapter: DatabaseAdapter): void {
    if (adapter.dialect.name !== "postgresql") {
      throw new PluginError(`The rls tenancy strategy needs PostgreSQL row-level security; ${adapter.databaseType} has none`, {
        fix: `Use tenancy({ strategy: "row" }) on ${adapter.databaseType}`,
      });
    }
  }

  async run(op: ModelOperation, ctx: NodeContext, next: Next, tenant: string, adapter: DatabaseAdapter): Promise<unknown> {
    const unplaced = scopeOperation(op, tenant);
    this.claim(adapter.transactionFor(ctx), tenant);
    // Named with its schema: search_path cannot redirect a statement, and sql-core writes with INSERT
    // (PostgreSQL refuses COPY FROM on a table with row-level security).
    const model = await this.policies.ready(adapter, op.model);
    const scoped = { ...unplaced, model } as ModelOperation;
    return adapter.transaction(async (exec) => {
      await exec.query(SET_TENANT, [tenant]).catch((error: unknown) => {
        throw adapter.mapError(error, op.model);
      });
      let result: unknown;
      try {
        result = await next(scoped);
      } catch (error) {
        if (isPolicyViolation(error)) {
          throw new TenantError(`${op.model.name}: the row belongs to another tenant; nothing was written`, {
            cause: error,
            fix: "Ids are unique across tenants; use generated ids for tenant models",
          });
        }
        throw error;
      }
      if (writesExplicitKeys(scoped)) await assertNoHiddenCollisions(adapter, ctx, scoped, tenant);
      return result;
    }, {}, ctx);
  }

  private claim(tx: TransactionHandle | undefined, tenant: string): void {
    if (!tx) return;
    const owner = this.owners.get(tx);
    if (owner !== undefined && owner !== tenant) {
      throw new TenantError("This transaction already serves another tenant; one transaction carries one tenant setting", {
        fix: "Run each tenant's work in its own transaction",
      });
    }
    this.owners.set(tx, tenant);
  }
}
