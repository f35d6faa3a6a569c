import type { ModelOperation, NodeContext } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { requireCatalog } from "./catalog.js";
import { assertNoForeignRows } from "./collision-check.js";
import { scopeOperation, writesExplicitKeys } from "./row-scope.js";
import type { Next, TenantStrategy } from "./strategy.js";
import { assertExactTenantColumn } from "./strategy.js";
import { TENANT_ID_PATTERN } from "./tenant-id.js";

/**
 * `row`: one shared table with a `tenant_id` column. Every operation is scoped in its AST; writes
 * that name explicit ids run in a transaction that refuses (and rolls back) when an id is another
 * tenant's.
 */
export class RowStrategy implements TenantStrategy {
  readonly name = "row" as const;
  readonly tenantPattern = TENANT_ID_PATTERN;

  checkDatabase(adapter: DatabaseAdapter): void {
    requireCatalog(adapter, this.name);
  }

  async run(op: ModelOperation, ctx: NodeContext, next: Next, tenant: string, adapter: DatabaseAdapter): Promise<unknown> {
    const scoped = scopeOperation(op, tenant);
    await assertExactTenantColumn(adapter, adapter.dialect.catalog, op.model);
    if (!writesExplicitKeys(scoped)) return next(scoped);
    return adapter.transaction(
      async () => {
        const result = await next(scoped);
        await assertNoForeignRows(adapter, ctx, scoped, tenant);
        return result;
      },
      {},
      ctx,
    );
  }
}
