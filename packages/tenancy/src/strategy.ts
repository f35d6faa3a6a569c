import type { Model, ModelOperation, NodeContext, RawSqlQuery } from "@dataflow/kernel/plugin";
import { TenantError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, DialectCatalog } from "@dataflow/sql-core";
import { catalogQuery } from "./ddl-connection.js";
import { MemoPerOwner } from "./memo.js";
import { TENANT_COLUMN } from "./row-scope.js";

export type StrategyName = "row" | "schema" | "rls";
export type Next = (op: ModelOperation) => Promise<unknown>;
export type RawNext = (query: RawSqlQuery) => Promise<Record<string, unknown>[]>;

/** How tenant rows are kept apart. Every strategy also scopes the AST (`scopeOperation`). */
export interface TenantStrategy {
  readonly name: StrategyName;
  /** Tenant ids this strategy accepts. */
  readonly tenantPattern: RegExp;
  /** At DataFlow construction (no I/O): refuses a database the strategy cannot serve. */
  checkDatabase(adapter: DatabaseAdapter): void;
  /** Runs one operation of a tenant model for the bound, validated `tenant`. */
  run(op: ModelOperation, ctx: NodeContext, next: Next, tenant: string, adapter: DatabaseAdapter): Promise<unknown>;
  /** Optional: runs one `db.sql` statement for the bound `tenant` (the rls strategy: under the tenant setting). */
  rawSql?(query: RawSqlQuery, ctx: NodeContext | undefined, next: RawNext, tenant: string, adapter: DatabaseAdapter): Promise<Record<string, unknown>[]>;
}

const columnChecks = new MemoPerOwner<DatabaseAdapter, Model, TenantError | undefined>();

/**
 * Refuses a tenant column that compares case-insensitively (a MySQL `_ci` collation would make
 * tenant `Acme` match `acme`'s rows). Once per model; a no-op on a dialect that declares exact text
 * comparison (`requireCatalog` refused the dialect at startup if it declares neither).
 */
export async function assertExactTenantColumn(adapter: DatabaseAdapter, catalog: DialectCatalog, model: Model): Promise<void> {
  const q = catalog.columnCollation?.(model.table, TENANT_COLUMN);
  if (!q) return;
  const refusal = await columnChecks.get(adapter, model, async () => {
    const rows = await catalogQuery(adapter, q);
    const collation = rows[0]?.collation;
    if (typeof collation === "string" && !/_bin$/i.test(collation)) {
      return new TenantError(`${model.name}.${TENANT_COLUMN} uses a case-insensitive collation; tenants could match each other's rows`, {
        fix: `Give the column a binary collation (utf8mb4_bin)`,
      });
    }
    return undefined;
  });
  if (refusal) throw refusal;
}
