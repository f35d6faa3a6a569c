import { afterAll, describe } from "vitest";
import postgres from "@dataflow/sql-postgres";
import { useTestDatabase } from "@dataflow/testing";
import pg from "pg";
import { serverKillCase } from "./server-kill.js";

// A server of this file's own, to kill and restart.
const res = await useTestDatabase("postgres", { ownServer: true });
afterAll(() => (res.ok ? res.db.dispose() : undefined));

async function raw(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe.skipIf(!res.ok || !res.db.server)(`PostgreSQL server killed mid-transaction${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  serverKillCase(() => {
    const db = (res as Extract<typeof res, { ok: true }>).db;
    return {
      url: db.url,
      server: db.server!,
      adapterPlugin: postgres,
      raw: (sql) => raw(db.url, sql),
      quote: (name) => `"${name}"`,
      parkInsertAt: async (table, at) => {
        await raw(
          db.url,
          `CREATE FUNCTION "park_${table}"() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.n = ${at} THEN PERFORM pg_sleep(120); END IF; RETURN NEW; END $$`,
        );
        await raw(db.url, `CREATE TRIGGER park BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "park_${table}"()`);
      },
      parked: async () => (await raw(db.url, "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")).length > 0,
      dropPark: async (table) => {
        await raw(db.url, `DROP TRIGGER park ON "${table}"`);
      },
    };
  });
});
