import type { DataFlow, NodeDefinition } from "@dataflow/kernel";
import { defineNode } from "@dataflow/kernel";
import pg from "pg";
import type { ConformanceOracle } from "@dataflow/testing";
import type { PostgresAdapter } from "../src/index.js";

const DATE_OID = 1082;

/**
 * A plain pg.Client for checking what is really stored, bypassing the adapter. Only DATE is read
 * as its text (pg's default would turn it into a local-time Date); everything else is pg's default.
 */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === DATE_OID ? (text: string) => text : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
    },
  });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Runs one statement on a fresh raw connection. */
export async function rawQuery(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = await rawClient(url);
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

export { failureOf as failure, runNode } from "@dataflow/testing";

/** A custom node that runs one SQL statement through the adapter, as generated nodes do (cancellable, mapped errors). */
export function sqlNode(db: DataFlow): NodeDefinition<{ sql: string }> {
  const adapter = db.adapter as PostgresAdapter;
  return defineNode<{ sql: string }>({
    type: "Test_Sql",
    params: { sql: { type: "string", required: true } },
    async run(params, ctx) {
      try {
        return await adapter.executorFor(ctx).query(params.sql, []);
      } catch (error) {
        throw adapter.mapError(error);
      }
    },
  });
}

/** Polls until `check` returns true (bounded), for server-side state that settles asynchronously. */
export async function eventually(check: () => Promise<boolean>, what: string, attempts = 200, delayMs = 25): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** Backends of the test database running a statement that contains `marker`. */
export async function activeBackends(raw: pg.Client, marker: string): Promise<Array<{ pid: number; state: string }>> {
  const { rows } = await raw.query(
    "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND position($1 in query) > 0",
    [marker],
  );
  return rows as Array<{ pid: number; state: string }>;
}

/** Waits until exactly one backend runs a statement containing `marker`, and returns its pid. */
export async function runningBackend(raw: pg.Client, marker: string): Promise<number> {
  let pid = 0;
  await eventually(async () => {
    const active = await activeBackends(raw, marker);
    if (active.length === 1) pid = active[0]!.pid;
    return active.length === 1;
  }, `a statement marked ${marker} runs`);
  return pid;
}

/** `url` with `password` (and a user when it has none), for the hostile group's credential checks. */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.username ||= "dataflow";
  u.password = password;
  return u.href;
}

/**
 * The conformance oracle: reads tables over a raw connection to `url` (the server itself, never
 * a pooler in front of it). `connections` adds the server-session count the streaming group checks.
 */
export async function postgresOracle(url: string, options: { connections?: boolean } = {}): Promise<ConformanceOracle> {
  const raw = await rawClient(url);
  const exists = async (table: string) =>
    (await raw.query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1", [table])).rowCount! > 0;
  const q = (table: string) => `"${table.replace(/"/g, '""')}"`;
  const oracle: ConformanceOracle = {
    rows: async (table) => ((await exists(table)) ? (await raw.query(`SELECT * FROM ${q(table)} ORDER BY id`)).rows : []),
    count: async (table) => ((await exists(table)) ? Number((await raw.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).rows[0].n) : 0),
    columns: async (table) =>
      (
        await raw.query(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
          [table],
        )
      ).rows.map((r: { column_name: string }) => r.column_name),
    close: () => raw.end(),
  };
  if (!options.connections) return oracle;
  return {
    ...oracle,
    connections: async () =>
      Number((await raw.query("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")).rows[0].n),
  };
}
