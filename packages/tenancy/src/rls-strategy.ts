import type { ModelOperation, NodeContext, RawSqlQuery } from "@dataflow/kernel/plugin";
import { TenantError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, TransactionHandle } from "@dataflow/sql-core";
import { assertNoHiddenCollisions } from "./collision-check.js";
import { requireCatalog } from "./catalog.js";
import { RlsPolicies, TENANT_SETTING } from "./rls-policies.js";
import { scopeOperation, writesExplicitKeys } from "./row-scope.js";
import type { Next, RawNext, TenantStrategy } from "./strategy.js";
import { TENANT_ID_PATTERN } from "./tenant-id.js";

/**
 * `rls`: the database's row-level security (the dialect's `catalog.rowSecurity`; PostgreSQL) as a
 * second layer under the AST scoping. Each operation runs in a transaction (or a savepoint of the
 * caller's) that first sets `app.tenant_id` for that transaction only, so the setting never
 * outlives the transaction on a pooled connection.
 */
export class RlsStrategy implements TenantStrategy {
  readonly name = "rls" as const;
  readonly tenantPattern = TENANT_ID_PATTERN;
  private readonly policies = new RlsPolicies();
  /** The tenant of each open transaction: a transaction carries one tenant setting, so it serves one tenant. */
  private readonly owners = new WeakMap<TransactionHandle, string>();

  checkDatabase(adapter: DatabaseAdapter): void {
    requireCatalog(adapter, this.name);
  }

  async run(op: ModelOperation, ctx: NodeContext, next: Next, tenant: string, adapter: DatabaseAdapter): Promise<unknown> {
    const unplaced = scopeOperation(op, tenant);
    this.claim(adapter.transactionFor(ctx), tenant);
    // Named with its schema: search_path cannot redirect a statement, and sql-core writes with INSERT
    // (PostgreSQL refuses COPY FROM on a table with row-level security).
    const model = await this.policies.ready(adapter, op.model);
    const scoped = { ...unplaced, model } as ModelOperation;
    const security = requireCatalog(adapter, this.name).rowSecurity!;
    return adapter.transaction(
      async (exec) => {
        await exec.query(security.setLocal(TENANT_SETTING), [tenant]).catch((error: unknown) => {
          throw adapter.mapError(error, op.model);
        });
        let result: unknown;
        try {
          result = await next(scoped);
        } catch (error) {
          if (security.isViolation(error)) {
            throw new TenantError(`${op.model.name}: the row belongs to another tenant; nothing was written`, {
              cause: error,
              fix: "Ids are unique across tenants; use generated ids for tenant models",
            });
          }
          throw error;
        }
        if (writesExplicitKeys(scoped)) await assertNoHiddenCollisions(adapter, ctx, scoped, tenant);
        return result;
      },
      {},
      ctx,
    );
  }

  /**
   * `db.sql` for a bound tenant: the statement runs in the same transaction (or savepoint of the
   * run's) after the same transaction-local setting, so the policies filter raw SQL too.
   */
  async rawSql(query: RawSqlQuery, ctx: NodeContext | undefined, next: RawNext, tenant: string, adapter: DatabaseAdapter): Promise<Record<string, unknown>[]> {
    this.claim(adapter.transactionFor(ctx), tenant);
    const security = requireCatalog(adapter, this.name).rowSecurity!;
    return adapter.transaction(
      async (exec) => {
        await exec.query(security.setLocal(TENANT_SETTING), [tenant]).catch((error: unknown) => {
          throw adapter.mapError(error);
        });
        return next(query);
      },
      {},
      ctx,
    );
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
