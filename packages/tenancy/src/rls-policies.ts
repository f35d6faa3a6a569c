import type { Model } from "@dataflow/kernel/plugin";
import { DataFlowError, SchemaError, TenantError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, RowSecurity, SqlExecutor } from "@dataflow/sql-core";
import { tableReference } from "@dataflow/sql-core";
import { catalogQuery, withDdlConnection } from "./ddl-connection.js";
import { requireCatalog } from "./catalog.js";
import { MemoPerOwner } from "./memo.js";
import { TENANT_COLUMN } from "./row-scope.js";

/** The transaction-local setting that carries the tenant into the policies. */
export const TENANT_SETTING = "app.tenant_id";
export const POLICY_NAME = "df_tenant_isolation";

/** `tenant_id = current_setting('app.tenant_id')`: no missing_ok, so a query without a tenant set is an error, not "all rows". */
function policyExpression(quote: (s: string) => string, security: Pick<RowSecurity, "currentSetting">): string {
  return `${quote(TENANT_COLUMN)} = ${security.currentSetting(TENANT_SETTING)}`;
}

/** The expression as PostgreSQL prints it back, without casts, parentheses, quotes and spaces. */
function normalized(expression: string): string {
  return expression.replace(/::[a-z ]+/g, "").replace(/[()"\s]/g, "");
}

const EXPECTED = normalized(policyExpression((s) => s, { currentSetting: (setting) => `current_setting('${setting}')` }));

interface PolicyRow {
  name: string;
  permissive: boolean;
  cmd: string;
  using_expr: string | null;
  check_expr: string | null;
}

/**
 * The database side of the `rls` strategy, through the dialect's `catalog.rowSecurity`: the
 * application role must be subject to row-level security (PostgreSQL: not superuser, not BYPASSRLS), and every tenant table has RLS enabled and forced (so the
 * owner is subject to it too) with exactly one permissive policy, ours. Checked before the first
 * operation of each model; any doubt is a refusal.
 */
export class RlsPolicies {
  private readonly roles = new MemoPerOwner<DatabaseAdapter, "role", { refusal?: TenantError; schema: string }>();
  private readonly tables = new MemoPerOwner<DatabaseAdapter, Model, Model>();

  /**
   * The model as the rls strategy runs it: in its schema, named explicitly (`"public"."orders"`),
   * once the role and the table's policy have been checked.
   */
  async ready(adapter: DatabaseAdapter, model: Model): Promise<Model> {
    const role = await this.roles.get(adapter, "role", () => this.checkRole(adapter));
    if (role.refusal) throw role.refusal;
    return this.tables.get(adapter, model, () => this.ensurePolicy(adapter, model.inSchema(role.schema)));
  }

  private async checkRole(adapter: DatabaseAdapter): Promise<{ refusal?: TenantError; schema: string }> {
    const rows = await catalogQuery(adapter, requireCatalog(adapter, "rls").rowSecurity!.roleQuery);
    const role = rows[0];
    if (!role || typeof role.schema !== "string") {
      return { schema: "", refusal: new TenantError("The rls strategy could not find the connection's role and schema; refusing to run") };
    }
    if (role.bypasses !== false) {
      return {
        schema: role.schema,
        refusal: new TenantError("The database role bypasses row-level security (it is a superuser or has BYPASSRLS); the rls strategy refuses to run", {
          fix: "Connect as a role created with NOSUPERUSER NOBYPASSRLS",
        }),
      };
    }
    return { schema: role.schema };
  }

  private async ensurePolicy(adapter: DatabaseAdapter, model: Model): Promise<Model> {
    try {
      const catalog = requireCatalog(adapter, "rls");
      const security = catalog.rowSecurity!;
      await withDdlConnection(adapter, catalog.ddlLock!, `rls:${model.schema}.${model.table}`, async (exec) => {
        const table = tableReference(adapter.dialect, model);
        const before = await this.policies(exec, security, table);
        if (!before.some((p) => p.name === POLICY_NAME)) {
          await exec.query(security.createPolicy(POLICY_NAME, table, policyExpression(adapter.dialect.quote, security)), []);
        }
        const flags = await this.flags(exec, security, table);
        if (!flags.enabled) await exec.query(security.enable(table), []);
        if (!flags.forced) await exec.query(security.force(table), []);
        this.verify(model, await this.flags(exec, security, table), await this.policies(exec, security, table));
      });
      return model;
    } catch (error) {
      if (error instanceof DataFlowError) throw error;
      throw new SchemaError(`Creating the row-level security policy of ${model.name} failed`, {
        cause: adapter.mapError(error, model),
        fix: "The policy is created by the table's owner; connect as the owner (without BYPASSRLS)",
      });
    }
  }

  private async policies(exec: SqlExecutor, security: RowSecurity, table: string): Promise<PolicyRow[]> {
    const q = security.policiesQuery(table);
    const { rows } = await exec.query(q.text, q.params);
    return rows as unknown as PolicyRow[];
  }

  private async flags(exec: SqlExecutor, security: RowSecurity, table: string): Promise<{ enabled: boolean; forced: boolean }> {
    const q = security.flagsQuery(table);
    const { rows } = await exec.query(q.text, q.params);
    return { enabled: rows[0]?.enabled === true, forced: rows[0]?.forced === true };
  }

  /** One permissive policy, ours, on every command, with the tenant expression in USING and WITH CHECK. */
  private verify(model: Model, flags: { enabled: boolean; forced: boolean }, policies: PolicyRow[]): void {
    const refuse = (why: string) => new TenantError(`Row-level security on ${model.name}'s table is not what the rls strategy needs: ${why}`);
    if (!flags.enabled || !flags.forced) throw refuse("RLS is not enabled and forced");
    const ours = policies.find((p) => p.name === POLICY_NAME);
    if (!ours || ours.cmd !== "*" || ours.permissive !== true) throw refuse(`policy ${POLICY_NAME} is missing or not a permissive policy for all commands`);
    if (normalized(ours.using_expr ?? "") !== EXPECTED || normalized(ours.check_expr ?? "") !== EXPECTED) {
      throw refuse(`policy ${POLICY_NAME} does not compare ${TENANT_COLUMN} with the ${TENANT_SETTING} setting`);
    }
    const wider = policies.filter((p) => p.name !== POLICY_NAME && p.permissive === true);
    if (wider.length > 0) throw refuse("other permissive policies would widen what a tenant sees");
  }
}
