// The databases the migration suites run on: a SQLite file, throwaway PostgreSQL and MariaDB
// databases from @dataflow/testing, and PostgreSQL behind PgBouncer in transaction pooling mode.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DataFlow } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import type { TestDatabase } from "@dataflow/testing";

export interface MigrationTarget {
  readonly name: "sqlite" | "postgres" | "mysql" | "pgbouncer";
  readonly url: string;
  /** A statement that keeps the database busy for a few seconds: a window for a second process or a kill. */
  readonly slowStatement: string;
  readonly transactionalDdl: boolean;
  dispose(): Promise<void>;
}

export function sqliteTarget(): MigrationTarget {
  const dir = mkdtempSync(join(tmpdir(), "dataflow-cli-"));
  return {
    name: "sqlite",
    url: `sqlite://${join(dir, "app.db")}`,
    slowStatement: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) AS n FROM c",
    transactionalDdl: true,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function serverTarget(name: "postgres" | "mysql" | "pgbouncer", db: TestDatabase, url = db.url): MigrationTarget {
  return {
    name,
    url,
    slowStatement: name === "mysql" ? "SELECT SLEEP(3)" : "SELECT pg_sleep(3)",
    transactionalDdl: name !== "mysql",
    dispose: () => db.dispose(),
  };
}

/** A direct connection for assertions, outside the CLI. */
export async function connect(url: string): Promise<{ adapter: DatabaseAdapter; q(name: string): string; close(): Promise<void> }> {
  const db = new DataFlow({ url, autoMigrate: false });
  const adapter = db.adapter as unknown as DatabaseAdapter;
  await adapter.connect();
  return { adapter, q: (name) => adapter.dialect.quote(name), close: () => db.close() };
}
