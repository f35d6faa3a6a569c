import type { BaseAdapter, DataFlowHandle, PluginContext } from "@dataflow/kernel/plugin";
import { PluginError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";

/**
 * The adapter as a sql-core DatabaseAdapter, or undefined. Checked by shape, not `instanceof`: the
 * kernel loads adapter packages with `require`, so their copy of sql-core may not be this one.
 */
export function asSqlAdapter(adapter: BaseAdapter): DatabaseAdapter | undefined {
  let known = checked.get(adapter);
  if (known === undefined) {
    const a = adapter as Partial<DatabaseAdapter>;
    const sql =
      a.adapterType === "sql" &&
      typeof a.begin === "function" &&
      typeof a.commit === "function" &&
      typeof a.rollback === "function" &&
      typeof a.transactionFor === "function" &&
      typeof a.dialect?.savepoint === "function";
    checked.set(adapter, (known = sql ? (adapter as DatabaseAdapter) : null));
  }
  return known ?? undefined;
}

const checked = new WeakMap<BaseAdapter, DatabaseAdapter | null>();

/** The DataFlow's adapter, which must be a SQL one (transactions here are SQL transactions). */
export function sqlAdapterOf(ctx: PluginContext): DatabaseAdapter {
  const adapter = asSqlAdapter(ctx.adapter);
  if (adapter) return adapter;
  throw new PluginError(`@dataflow/transactions works with SQL adapters; this DataFlow uses ${ctx.adapter.databaseType}`, {
    fix: "Remove transactions() from this DataFlow's plugins",
  });
}

/**
 * What must be prepared before a transaction opens. DDL never runs inside one (MySQL would commit
 * it implicitly; SQLite would wait for the very connection it holds). An adapter with a separate
 * schema connection prepares each model on first use, there, without waiting for the pool: then
 * nothing is prepared up front, so a run prepares only the models it uses. Otherwise every
 * declared model is prepared now, and a model that cannot be fails only the operations that use it.
 */
export async function prepareModels(dataflow: DataFlowHandle, adapter: DatabaseAdapter): Promise<void> {
  if (adapter.separateSchemaConnection) return;
  const pending = [...dataflow.models.values()].filter((m) => !dataflow.isReady(m));
  await Promise.allSettled(pending.map((m) => dataflow.ensureModel(m)));
}
