import type { Driver } from "./admin.js";
import { findMariaDbBinaries, findPostgresBinaries, MISSING_MARIADB, MISSING_POSTGRES } from "./binaries.js";
import { startContainerServer } from "./containers.js";
import { launchMariaDb, mysqlAdminUrl } from "./mysql-server.js";
import { launchPostgres, postgresAdminUrl } from "./postgres-server.js";
import { errorText } from "./redact.js";
import type { DatabaseKind, LocalServerOptions, OwnedServer, ProvisionOptions } from "./types.js";

export interface StartedServer {
  adminUrl: string;
  server: OwnedServer;
  source: "local-binary" | "container";
}

export type ServerStart = { ok: true; started: StartedServer } | { ok: false; reasons: string[] };

const DEFAULT_MAX_CONNECTIONS: Record<DatabaseKind, number> = { postgres: 200, mysql: 500 };

export function serverOptions(kind: DatabaseKind, options: ProvisionOptions): LocalServerOptions {
  return {
    durable: options.durable ?? false,
    maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS[kind],
  };
}

async function startFromBinaries(kind: DatabaseKind, options: LocalServerOptions): Promise<StartedServer | string> {
  if (kind === "postgres") {
    const bins = findPostgresBinaries();
    if (!bins) return MISSING_POSTGRES;
    try {
      const server = await launchPostgres(bins, options);
      return { adminUrl: postgresAdminUrl(server.port), server, source: "local-binary" };
    } catch (error) {
      return `PostgreSQL from ${bins.postgres} failed to start: ${errorText(error)}`;
    }
  }
  const bins = findMariaDbBinaries();
  if (!bins) return MISSING_MARIADB;
  try {
    const server = await launchMariaDb(bins, options);
    return { adminUrl: mysqlAdminUrl(server.port), server, source: "local-binary" };
  } catch (error) {
    return `MariaDB from ${bins.server} failed to start: ${errorText(error)}`;
  }
}

/** A new server owned by the caller: local binaries first, then a container. */
export async function startServer(driver: Driver, options: ProvisionOptions): Promise<ServerStart> {
  const settings = serverOptions(driver.kind, options);
  const local = await startFromBinaries(driver.kind, settings);
  if (typeof local !== "string") return { ok: true, started: local };
  const container = await startContainerServer(driver, settings);
  if (container.ok) return { ok: true, started: { adminUrl: container.adminUrl, server: container.server, source: "container" } };
  return { ok: false, reasons: [local, container.reason] };
}

const processShared = new Map<string, Promise<ServerStart>>();

/** One server per kind and settings for this process, stopped when the process exits. */
export function processSharedServer(driver: Driver, options: ProvisionOptions): Promise<ServerStart> {
  const settings = serverOptions(driver.kind, options);
  const key = `${driver.kind}:${settings.durable}:${settings.maxConnections}`;
  let pending = processShared.get(key);
  if (!pending) {
    pending = startServer(driver, options);
    processShared.set(key, pending);
    void pending.then((result) => {
      if (!result.ok) processShared.delete(key);
    });
  }
  return pending;
}
