import type { DatabaseKind, RequirableDatabase } from "./types.js";

const URL_ENV: Record<DatabaseKind, string> = {
  postgres: "DATAFLOW_TEST_POSTGRES_URL",
  mysql: "DATAFLOW_TEST_MYSQL_URL",
};

const ALL_REQUIRABLE: readonly RequirableDatabase[] = ["postgres", "mysql", "pgvector", "sqlite", "pgbouncer", "mongodb"];

const ALIASES: Record<string, RequirableDatabase> = {
  postgres: "postgres",
  postgresql: "postgres",
  pg: "postgres",
  mysql: "mysql",
  mariadb: "mysql",
  pgvector: "pgvector",
  sqlite: "sqlite",
  pgbouncer: "pgbouncer",
  mongodb: "mongodb",
  mongo: "mongodb",
};

export function urlEnvVar(kind: DatabaseKind): string {
  return URL_ENV[kind];
}

export function envUrl(kind: DatabaseKind): string | undefined {
  const value = process.env[URL_ENV[kind]]?.trim();
  return value ? value : undefined;
}

function isTruthy(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

/**
 * DATAFLOW_TEST_REQUIRE (comma list, or "all" / "none") wins when set;
 * otherwise CI=true requires every database.
 */
export function requiredDatabases(): Set<RequirableDatabase> {
  const explicit = process.env.DATAFLOW_TEST_REQUIRE?.trim();
  if (!explicit) return new Set(isTruthy(process.env.CI) ? ALL_REQUIRABLE : []);
  const required = new Set<RequirableDatabase>();
  for (const raw of explicit.split(",")) {
    const name = raw.trim().toLowerCase();
    if (name === "" || name === "none") continue;
    if (name === "all") {
      for (const db of ALL_REQUIRABLE) required.add(db);
      continue;
    }
    const db = ALIASES[name];
    if (!db) {
      throw new Error(`DATAFLOW_TEST_REQUIRE: unknown database "${raw.trim()}" (known: ${ALL_REQUIRABLE.join(", ")}, all, none)`);
    }
    required.add(db);
  }
  return required;
}

export function isDatabaseRequired(kind: string): boolean {
  const db = ALIASES[kind.trim().toLowerCase()];
  return db !== undefined && requiredDatabases().has(db);
}
