import type { BaseAdapter } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlConnection, TransactionHandle } from "@dataflow/sql-core";
import { bindRunTransaction } from "@dataflow/sql-core";
import type { TransactionBackend } from "./backend.js";
import { prepareDeclaredModels } from "./backend.js";

type OwnedTransaction = TransactionHandle & { connection: SqlConnection };

/**
 * The adapter as a sql-core DatabaseAdapter, or undefined. Checked by shape, not `instanceof`: the
 * kernel loads adapter packages with `require`, so their copy of sql-core may not be this one.
 */
export function asSqlAdapter(adapter: BaseAdapter): DatabaseAdapter | undefined {
  const a = adapter as Partial<DatabaseAdapter>;
  const sql =
    a.adapterType === "sql" &&
    typeof a.begin === "function" &&
    typeof a.commit === "function" &&
    typeof a.rollback === "function" &&
    typeof a.transactionFor === "function" &&
    typeof a.dialect?.savepoint === "function";
  return sql ? (adapter as DatabaseAdapter) : undefined;
}

/** SQL transactions on one pooled connection, with savepoints quoted by the dialect. */
export function sqlBackend(base: BaseAdapter): TransactionBackend<TransactionHandle> | undefined {
  const adapter = asSqlAdapter(base);
  if (!adapter) return undefined;
  const run = (tx: TransactionHandle, sql: string) => tx.executor.query(sql, []).then(() => undefined);
  return {
    adapter,
    savepoints: true,
    prepare: (dataflow) => prepareDeclaredModels(dataflow, adapter),
    joined: () => adapter.transactionFor(undefined),
    begin: (options) => adapter.begin(options),
    commit: (tx) => adapter.commit(tx as OwnedTransaction),
    rollback: (tx) => adapter.rollback(tx as OwnedTransaction),
    bind: (r, tx) => bindRunTransaction(r, adapter, tx),
    inTransaction: (ctx) => adapter.transactionFor(ctx) !== undefined,
    abandon: () => {},
    async makeSavepoint(tx) {
      const name = `df_scope_${++tx.savepoints}`;
      await run(tx, adapter.dialect.savepoint(name));
      return name;
    },
    savepoint: (tx, name) => run(tx, adapter.dialect.savepoint(name)),
    releaseSavepoint: (tx, name) => run(tx, adapter.dialect.releaseSavepoint(name)),
    rollbackToSavepoint: (tx, name) => run(tx, adapter.dialect.rollbackToSavepoint(name)),
  };
}
