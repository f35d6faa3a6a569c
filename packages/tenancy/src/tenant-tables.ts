import type { Model } from "@dataflow/kernel/plugin";
import { DataFlowError, SchemaError } from "@dataflow/kernel/plugin";
import type { CatalogQuery, DatabaseAdapter, DialectCatalog, SqlExecutor } from "@dataflow/sql-core";
import { columnDefinition, createIndexStatement, createTableStatement, indexName, tableReference } from "@dataflow/sql-core";
import { withDdlConnection } from "./ddl-connection.js";
import { MemoPerOwner } from "./memo.js";

/** Name of the CHECK that keeps rows out of the shared table of a schema-strategy model. */
export const SHARED_TABLE_GUARD = "df_tenancy_rows_in_tenant_schemas";

async function names(exec: SqlExecutor, q: CatalogQuery): Promise<Set<string>> {
  const { rows } = await exec.query(q.text, q.params);
  return new Set(rows.map((r) => String(r.name)));
}

function failed(what: string, adapter: DatabaseAdapter, model: Model, error: unknown): DataFlowError {
  if (error instanceof DataFlowError) return error;
  return new SchemaError(`${what} for ${model.name} failed`, { cause: adapter.mapError(error, model) });
}

/**
 * The per-tenant tables of the `schema` strategy: one schema (PostgreSQL) or database (MySQL) per
 * tenant, named `prefix + tenantId`, with every tenant model's table created on first use. A tenant's
 * model is `model.inSchema(name)`, so every statement names `"tenant_x"."table"` explicitly: no
 * search_path or USE switching on pooled connections, and prepared statements are per tenant.
 */
export class TenantTables {
  private readonly views = new Map<string, WeakMap<Model, Model>>();
  private readonly tables = new MemoPerOwner<DatabaseAdapter, Model>();
  private readonly guards = new MemoPerOwner<DatabaseAdapter, Model>();

  constructor(private readonly prefix: string) {}

  namespaceOf(tenant: string): string {
    return `${this.prefix}${tenant}`;
  }

  /** The model as stored for this tenant (one object per tenant and model, so statement caches hold). */
  viewFor(model: Model, tenant: string): Model {
    const namespace = this.namespaceOf(tenant);
    let perTenant = this.views.get(namespace);
    if (!perTenant) this.views.set(namespace, (perTenant = new WeakMap()));
    let view = perTenant.get(model);
    if (!view) perTenant.set(model, (view = model.inSchema(namespace)));
    return view;
  }

  /** Creates the tenant's schema and table (or adds missing columns and indexes) once per process. */
  ensure(adapter: DatabaseAdapter, catalog: DialectCatalog, view: Model): Promise<void> {
    return this.tables.get(adapter, view, async () => {
      const namespace = view.schema!;
      try {
        await withDdlConnection(adapter, catalog.ddlLock!, `schema:${namespace}`, (exec) => this.createTable(adapter, catalog, exec, view, namespace));
      } catch (error) {
        throw failed("Preparing the tenant table", adapter, view, error);
      }
    });
  }

  private async createTable(adapter: DatabaseAdapter, catalog: DialectCatalog, exec: SqlExecutor, view: Model, namespace: string): Promise<void> {
    const d = adapter.dialect;
    await exec.query(catalog.createNamespace!(namespace), []);
    const columns = await names(exec, catalog.columns(view.table, namespace));
    if (columns.size === 0) {
      await exec.query(createTableStatement(d, view), []);
      for (const index of view.indexes) await exec.query(createIndexStatement(d, view, index), []);
      return;
    }
    for (const f of view.fields) {
      if (!columns.has(f.name)) await exec.query(`ALTER TABLE ${tableReference(d, view)} ADD COLUMN ${columnDefinition(d, f, true)}`, []);
    }
    const indexes = await names(exec, catalog.indexes(view.table, namespace));
    for (const index of view.indexes) {
      if (!indexes.has(indexName(d, index))) await exec.query(createIndexStatement(d, view, index), []);
    }
  }

  /**
   * Adds a CHECK no row satisfies to the model's shared table (the one the kernel creates in the
   * connection's default schema), so a write that ever missed the tenant qualifier fails instead of
   * landing outside the tenant's schema.
   */
  guardSharedTable(adapter: DatabaseAdapter, catalog: DialectCatalog, model: Model): Promise<void> {
    return this.guards.get(adapter, model, async () => {
      try {
        await withDdlConnection(adapter, catalog.ddlLock!, `guard:${model.table}`, async (exec) => {
          const q = catalog.checkConstraintCount!(model.table, SHARED_TABLE_GUARD);
          const { rows } = await exec.query(q.text, q.params);
          if (Number(rows[0]?.n ?? 0) === 0) await exec.query(catalog.addRowFreeCheck!(model.table, SHARED_TABLE_GUARD), []);
        });
      } catch (error) {
        throw new SchemaError(`Guarding the shared table '${model.table}' of ${model.name} failed; with the schema strategy it must hold no rows`, {
          cause: failed("Guarding the shared table", adapter, model, error),
          fix: "Move existing rows into the tenants' schemas, or use the row strategy",
        });
      }
    });
  }
}
