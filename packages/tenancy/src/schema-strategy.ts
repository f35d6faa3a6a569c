import type { ModelOperation, NodeContext } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, DialectCatalog } from "@dataflow/sql-core";
import { requireCatalog } from "./catalog.js";
import { assertNoForeignRows } from "./collision-check.js";
import { scopeOperation, writesExplicitKeys } from "./row-scope.js";
import type { Next, TenantStrategy } from "./strategy.js";
import { assertExactTenantColumn } from "./strategy.js";
import { schemaTenantPattern } from "./tenant-id.js";
import { TenantTables } from "./tenant-tables.js";

/**
 * `schema`: a schema per tenant on PostgreSQL, a database per tenant on MySQL, tables created on
 * first use; statements name the tenant's table explicitly. The row scoping applies too, so a row
 * always carries its tenant.
 */
export class SchemaStrategy implements TenantStrategy {
  readonly name = "schema" as const;
  readonly tenantPattern: RegExp;
  private readonly tables: TenantTables;

  constructor(prefix: string) {
    this.tenantPattern = schemaTenantPattern(prefix);
    this.tables = new TenantTables(prefix);
  }

  checkDatabase(adapter: DatabaseAdapter): void {
    requireCatalog(adapter, this.name);
  }

  private catalog(adapter: DatabaseAdapter): DialectCatalog {
    return requireCatalog(adapter, this.name);
  }

  async run(op: ModelOperation, ctx: NodeContext, next: Next, tenant: string, adapter: DatabaseAdapter): Promise<unknown> {
    const view = this.tables.viewFor(op.model, tenant);
    const scoped = scopeOperation({ ...op, model: view } as ModelOperation, tenant);
    const catalog = this.catalog(adapter);
    await assertExactTenantColumn(adapter, catalog, op.model);
    await this.tables.guardSharedTable(adapter, catalog, op.model);
    await this.tables.ensure(adapter, catalog, view);
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
