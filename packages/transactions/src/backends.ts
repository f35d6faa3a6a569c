import type { BaseAdapter, PluginContext } from "@dataflow/kernel/plugin";
import { PluginError } from "@dataflow/kernel/plugin";
import type { TransactionBackend } from "./backend.js";
import { sessionBackend } from "./session-backend.js";
import { sqlBackend } from "./sql-backend.js";

const known = new WeakMap<BaseAdapter, TransactionBackend | null>();

/** The adapter's backend, or undefined when it declares neither kind of transaction. */
export function backendOf(adapter: BaseAdapter): TransactionBackend | undefined {
  let backend = known.get(adapter);
  if (backend === undefined) known.set(adapter, (backend = sqlBackend(adapter) ?? sessionBackend(adapter) ?? null));
  return backend ?? undefined;
}

/** The DataFlow's backend; a PluginError at construction for an adapter without transactions. */
export function requireBackend(ctx: PluginContext): TransactionBackend {
  const backend = backendOf(ctx.adapter);
  if (backend) return backend;
  throw new PluginError(
    `@dataflow/transactions works with the SQL adapters and adapters declaring runTransactions; this DataFlow uses ${ctx.adapter.databaseType}`,
    { fix: "Remove transactions() from this DataFlow's plugins" },
  );
}
