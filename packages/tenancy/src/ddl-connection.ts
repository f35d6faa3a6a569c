import { createHash } from "node:crypto";
import { SchemaError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";

/** A lock name that fits MySQL's 64-character limit, the same in every process. */
function lockName(subject: string): string {
  return `df_tenancy_${createHash("sha256").update(subject).digest("hex").slice(0, 40)}`;
}

/**
 * Runs DDL on a connection of its own (never inside the caller's transaction: MySQL commits
 * implicitly on DDL), serialized across processes by a lock on `subject`: a PostgreSQL
 * transaction-scoped advisory lock, a MySQL named lock.
 */
export async function withDdlConnection<T>(adapter: DatabaseAdapter, subject: string, work: (exec: SqlExecutor) => Promise<T>): Promise<T> {
  const name = lockName(subject);
  if (adapter.dialect.name === "postgresql") {
    const tx = await adapter.begin();
    try {
      await tx.executor.query("SELECT pg_advisory_xact_lock(hashtext($1))", [name]);
      const result = await work(tx.executor);
      await adapter.commit(tx);
      return result;
    } catch (error) {
      await adapter.rollback(tx);
      throw error;
    }
  }
  const connection = await adapter.acquire();
  let broken = false;
  try {
    const { rows } = await connection.query("SELECT GET_LOCK(?, 60) AS locked", [name]);
    if (Number(rows[0]?.locked) !== 1) throw new SchemaError("Timed out waiting for another process's tenant schema work");
    try {
      return await work(connection);
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [name]).catch(() => {
        broken = true;
      });
    }
  } catch (error) {
    broken ||= !(error instanceof SchemaError);
    throw error;
  } finally {
    connection.release(broken);
  }
}
