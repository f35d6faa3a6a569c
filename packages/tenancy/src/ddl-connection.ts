import { createHash } from "node:crypto";
import { SchemaError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";

/** A lock name that fits MySQL's 64-character limit, the same in every process. */
function lockName(subject: string): string {
  return `df_tenancy_${createHash("sha256").update(subject).digest("hex").slice(0, 40)}`;
}

/**
 * Runs DDL on the adapter's schema connection (`withSchemaConnection`): never inside the caller's
 * transaction (MySQL commits implicitly on DDL) and never waiting for a pooled connection, so a
 * caller that holds one cannot deadlock. Serialized across processes by a lock on `subject`: a
 * PostgreSQL transaction-scoped advisory lock, a MySQL named lock.
 */
export function withDdlConnection<T>(adapter: DatabaseAdapter, subject: string, work: (exec: SqlExecutor) => Promise<T>): Promise<T> {
  const name = lockName(subject);
  return adapter.withSchemaConnection(async (connection) => {
    if (adapter.dialect.name === "postgresql") {
      await connection.query("BEGIN", []);
      try {
        await connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [name]);
        const result = await work(connection);
        await connection.query("COMMIT", []);
        return result;
      } catch (error) {
        await connection.query("ROLLBACK", []).catch(() => undefined);
        throw error;
      }
    }
    const { rows } = await connection.query("SELECT GET_LOCK(?, 60) AS locked", [name]);
    if (Number(rows[0]?.locked) !== 1) throw new SchemaError("Timed out waiting for another process's tenant schema work");
    try {
      return await work(connection);
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [name]);
    }
  });
}

/** A catalog read on the schema connection: never waits for a pooled connection. */
export async function catalogQuery(adapter: DatabaseAdapter, q: { text: string; params: unknown[] }): Promise<Record<string, unknown>[]> {
  const { rows } = await adapter.withSchemaConnection((connection) => connection.query(q.text, q.params));
  return rows;
}
