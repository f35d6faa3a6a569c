import { createHash } from "node:crypto";
import { SchemaError } from "@dataflow/kernel/plugin";
import type { CatalogQuery, DatabaseAdapter, DdlLock, SqlExecutor } from "@dataflow/sql-core";

/** A lock name that fits MySQL's 64-character limit, the same in every process. */
function lockName(subject: string): string {
  return `df_tenancy_${createHash("sha256").update(subject).digest("hex").slice(0, 40)}`;
}

/**
 * Runs DDL on the adapter's schema connection (`withSchemaConnection`): never inside the caller's
 * transaction (MySQL commits implicitly on DDL) and never waiting for a pooled connection, so a
 * caller that holds one cannot deadlock. Serialized across processes by the dialect's DDL lock on
 * `subject` (`requireCatalog` has checked the dialect has one).
 */
export function withDdlConnection<T>(adapter: DatabaseAdapter, lock: DdlLock, subject: string, work: (exec: SqlExecutor) => Promise<T>): Promise<T> {
  const name = lockName(subject);
  return adapter.withSchemaConnection(async (connection) => {
    const acquire = lock.acquire(name);
    if (lock.scope === "transaction") {
      for (const statement of adapter.dialect.begin({})) await connection.query(statement, []);
      try {
        await connection.query(acquire.text, acquire.params);
        const result = await work(connection);
        await connection.query("COMMIT", []);
        return result;
      } catch (error) {
        await connection.query("ROLLBACK", []).catch(() => undefined);
        throw error;
      }
    }
    const { rows } = await connection.query(acquire.text, acquire.params);
    if (Number(rows[0]?.locked) !== 1) throw new SchemaError("Timed out waiting for another process's tenant schema work");
    try {
      return await work(connection);
    } finally {
      const release = lock.release(name);
      await connection.query(release.text, release.params);
    }
  });
}

/** A catalog read on the schema connection: never waits for a pooled connection. */
export async function catalogQuery(adapter: DatabaseAdapter, q: CatalogQuery): Promise<Record<string, unknown>[]> {
  const { rows } = await adapter.withSchemaConnection((connection) => connection.query(q.text, q.params));
  return rows;
}
