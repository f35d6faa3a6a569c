import { loadDriver, MISSING_DRIVER } from "./admin.js";
import { createTestDatabase } from "./database.js";
import { isDatabaseRequired } from "./env.js";
import { provisionDatabase } from "./provision.js";
import { errorText, maskUrl } from "./redact.js";
import type { ProvisionOptions, ProvisionResult } from "./types.js";

export const PGVECTOR_URL_ENV = "DATAFLOW_TEST_PGVECTOR_URL";

/**
 * A fresh PostgreSQL database with the pgvector extension created: on the server in
 * DATAFLOW_TEST_PGVECTOR_URL, else on the PostgreSQL test server (env URL, local binaries, container).
 * Not ok when that server has no pgvector.
 */
export async function provisionPgvectorDatabase(options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const fromEnv = process.env[PGVECTOR_URL_ENV]?.trim();
  let result: ProvisionResult;
  if (fromEnv && !options.ownServer) {
    const driver = await loadDriver("postgres");
    if (!driver) return { ok: false, reason: MISSING_DRIVER.postgres };
    try {
      result = { ok: true, db: await createTestDatabase(driver, { adminUrl: fromEnv, source: "env", dedicated: false }) };
    } catch (error) {
      return { ok: false, reason: `${PGVECTOR_URL_ENV}=${maskUrl(fromEnv)} is set but no database could be created there: ${errorText(error)}` };
    }
  } else {
    result = await provisionDatabase("postgres", options);
  }
  if (!result.ok) return result;
  const driver = await loadDriver("postgres");
  if (driver?.kind !== "postgres") return { ok: false, reason: MISSING_DRIVER.postgres };
  const client = new driver.pg.Client({ connectionString: result.db.url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("CREATE EXTENSION IF NOT EXISTS vector");
    return result;
  } catch (error) {
    await result.db.dispose().catch(() => {});
    return {
      ok: false,
      reason: `the PostgreSQL test server has no pgvector extension (${errorText(error)}); install it (scripts/ci/install-pgvector.sh) or set ${PGVECTOR_URL_ENV}`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** For test files: like provisionPgvectorDatabase, but throws when pgvector is required (CI=true, DATAFLOW_TEST_REQUIRE). */
export async function usePgvectorDatabase(options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const result = await provisionPgvectorDatabase(options);
  if (!result.ok && isDatabaseRequired("pgvector")) {
    throw new Error(`pgvector test database is required (CI / DATAFLOW_TEST_REQUIRE) but unavailable: ${result.reason}`);
  }
  return result;
}
