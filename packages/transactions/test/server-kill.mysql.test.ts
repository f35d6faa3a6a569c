import { afterAll, describe } from "vitest";
import mysqlPlugin from "@dataflow/sql-mysql";
import { useTestDatabase } from "@dataflow/testing";
import mysql from "mysql2/promise";
import { serverKillCase } from "./server-kill.js";

// A server of this file's own, to kill and restart.
const res = await useTestDatabase("mysql", { ownServer: true });
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function raw(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const connection = await mysql.createConnection({ uri: url });
  connection.on("error", () => {});
  try {
    const [rows] = await connection.query(sql);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  } finally {
    await connection.end().catch(() => undefined);
  }
}

describe.skipIf(!res.ok || !res.db.server)(`MariaDB/MySQL server killed mid-transaction${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  serverKillCase(() => {
    const db = (res as Extract<typeof res, { ok: true }>).db;
    return {
      url: db.url,
      server: db.server!,
      adapterPlugin: mysqlPlugin,
      raw: (sql) => raw(db.url, sql),
      quote: (name) => `\`${name}\``,
      parkInsertAt: async (table, at) => {
        await raw(db.url, `CREATE TRIGGER \`park_${table}\` BEFORE INSERT ON \`${table}\` FOR EACH ROW BEGIN IF NEW.n = ${at} THEN DO SLEEP(120); END IF; END`);
      },
      parked: async () => (await raw(db.url, "SELECT 1 FROM information_schema.processlist WHERE info = 'DO SLEEP(120)' AND state = 'User sleep'")).length > 0,
      dropPark: async (table) => {
        await raw(db.url, `DROP TRIGGER \`park_${table}\``);
      },
    };
  });
});
