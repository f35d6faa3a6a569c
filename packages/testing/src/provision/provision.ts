import { loadDriver, MISSING_DRIVER, type Driver } from "./admin.js";
import { createTestDatabase } from "./database.js";
import { envUrl, isDatabaseRequired, urlEnvVar } from "./env.js";
import { errorText, maskUrl } from "./redact.js";
import { processSharedServer, startServer, type StartedServer } from "./servers.js";
import type { DatabaseKind, ProvisionOptions, ProvisionResult } from "./types.js";

async function onServer(driver: Driver, started: StartedServer, dedicated: boolean): Promise<ProvisionResult> {
  try {
    const db = await createTestDatabase(driver, { ...started, dedicated });
    return { ok: true, db };
  } catch (error) {
    if (dedicated) await started.server.destroy().catch(() => {});
    return { ok: false, reason: `could not create a database on the ${started.source} server: ${errorText(error)}` };
  }
}

/**
 * Resolution: the server in DATAFLOW_TEST_<KIND>_URL (also how startSharedTestServers hands its
 * servers to test workers), else one local server per process started from binaries, else a
 * container. With `ownServer`, always a dedicated server (binaries, then container).
 */
export async function provisionDatabase(kind: DatabaseKind, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  try {
    return await resolveDatabase(kind, options);
  } catch (error) {
    return { ok: false, reason: errorText(error) };
  }
}

async function resolveDatabase(kind: DatabaseKind, options: ProvisionOptions): Promise<ProvisionResult> {
  const driver = await loadDriver(kind);
  if (!driver) return { ok: false, reason: MISSING_DRIVER[kind] };

  if (options.ownServer) {
    const start = await startServer(driver, options);
    if (!start.ok) return { ok: false, reason: start.reasons.join("; ") };
    return onServer(driver, start.started, true);
  }

  const fromEnv = envUrl(kind);
  if (fromEnv) {
    try {
      const db = await createTestDatabase(driver, { adminUrl: fromEnv, source: "env", dedicated: false });
      return { ok: true, db };
    } catch (error) {
      return {
        ok: false,
        reason: `${urlEnvVar(kind)}=${maskUrl(fromEnv)} is set but no database could be created there: ${errorText(error)}`,
      };
    }
  }

  const shared = await processSharedServer(driver, options);
  if (!shared.ok) return { ok: false, reason: [`no ${urlEnvVar(kind)}`, ...shared.reasons].join("; ") };
  return onServer(driver, shared.started, false);
}

/** For test files: like provisionDatabase, but throws when the database is required (CI=true, DATAFLOW_TEST_REQUIRE). */
export async function useTestDatabase(kind: DatabaseKind, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const result = await provisionDatabase(kind, options);
  if (!result.ok && isDatabaseRequired(kind)) {
    throw new Error(`${kind} test database is required (CI / DATAFLOW_TEST_REQUIRE) but unavailable: ${result.reason}`);
  }
  return result;
}
