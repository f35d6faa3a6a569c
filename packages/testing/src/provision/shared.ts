import { loadDriver, MISSING_DRIVER } from "./admin.js";
import { envUrl, isDatabaseRequired, urlEnvVar } from "./env.js";
import { startServer, type StartedServer } from "./servers.js";
import type { DatabaseKind } from "./types.js";

type Outcome = { kind: DatabaseKind; started: StartedServer } | { kind: DatabaseKind; reason: string };

async function startShared(kind: DatabaseKind): Promise<Outcome> {
  const driver = await loadDriver(kind);
  if (!driver) return { kind, reason: MISSING_DRIVER[kind] };
  const start = await startServer(driver, {});
  return start.ok ? { kind, started: start.started } : { kind, reason: start.reasons.join("; ") };
}

/**
 * vitest globalSetup helper: starts one server per kind not already given by env and publishes
 * its admin URL as DATAFLOW_TEST_<KIND>_URL. Vitest builds each worker's env from process.env
 * after globalSetup ran (forks, threads and vm pools), so provisionDatabase() in workers finds it.
 * Unavailable kinds are left unset (workers then skip with the reason) unless required, which throws.
 * Returns the teardown.
 */
export async function startSharedTestServers(kinds: DatabaseKind[]): Promise<() => Promise<void>> {
  const wanted = [...new Set(kinds)].filter((kind) => !envUrl(kind));
  const outcomes = await Promise.all(wanted.map(startShared));
  const published: Array<{ kind: DatabaseKind; started: StartedServer }> = [];
  const failures: string[] = [];
  for (const outcome of outcomes) {
    if ("started" in outcome) {
      published.push(outcome);
      process.env[urlEnvVar(outcome.kind)] = outcome.started.adminUrl;
    } else if (isDatabaseRequired(outcome.kind)) {
      failures.push(`${outcome.kind}: ${outcome.reason}`);
    }
  }
  const teardown = async (): Promise<void> => {
    const servers = published.splice(0);
    for (const { kind, started } of servers) {
      if (process.env[urlEnvVar(kind)] === started.adminUrl) delete process.env[urlEnvVar(kind)];
    }
    await Promise.all(servers.map(({ started }) => started.server.destroy()));
  };
  if (failures.length > 0) {
    await teardown();
    throw new Error(`required test databases unavailable: ${failures.join("; ")}`);
  }
  return teardown;
}
