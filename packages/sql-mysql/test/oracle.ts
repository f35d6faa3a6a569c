import mysql from "mysql2/promise";
import type { ConformanceOracle } from "@dataflow/testing";

/** Raw mysql2 options for reading back what the adapter wrote: exact numbers, date/time as text. */
export const RAW_OPTIONS = { supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, timezone: "Z" } as const;

export function rawConnection(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: url, ...RAW_OPTIONS });
}

/** Runs one statement on a fresh raw connection (never through the adapter under test). */
export async function rawQuery<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const connection = await rawConnection(url);
  try {
    const [rows] = await connection.query(sql, params);
    return (Array.isArray(rows) ? rows : []) as T[];
  } finally {
    await connection.end();
  }
}

/** The conformance oracle: one raw mysql2 connection. */
export async function mysqlOracle(url: string): Promise<ConformanceOracle> {
  const raw = await rawConnection(url);
  const exists = async (table: string) =>
    ((await raw.query("SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", [table]))[0] as unknown[]).length > 0;
  return {
    rows: async (table) => ((await exists(table)) ? ((await raw.query(`SELECT * FROM \`${table}\` ORDER BY id`))[0] as Record<string, unknown>[]) : []),
    count: async (table) =>
      (await exists(table)) ? Number(((await raw.query(`SELECT COUNT(*) AS n FROM \`${table}\``))[0] as Array<{ n: string }>)[0]!.n) : 0,
    columns: async (table) =>
      (
        (
          await raw.query(
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
            [table],
          )
        )[0] as Array<{ name: string }>
      ).map((c) => c.name),
    connections: async () =>
      Number(
        (
          (await raw.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"))[0] as Array<{
            n: string;
          }>
        )[0]!.n,
      ),
    close: () => raw.end(),
  };
}
