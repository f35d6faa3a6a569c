import { createDatabase, databaseUrl, dropDatabase, uniqueDatabaseName, type Driver } from "./admin.js";
import { errorText } from "./redact.js";
import type { OwnedServer, ServerControl, TestDatabase } from "./types.js";

export interface DatabaseHost {
  adminUrl: string;
  source: TestDatabase["source"];
  server?: OwnedServer | undefined;
  /** dispose() tears the whole server down instead of dropping the database. */
  dedicated: boolean;
}

export async function createTestDatabase(driver: Driver, host: DatabaseHost): Promise<TestDatabase> {
  const name = uniqueDatabaseName();
  await createDatabase(driver, host.adminUrl, name);
  let disposed: Promise<void> | undefined;
  const dispose = async (): Promise<void> => {
    if (host.dedicated && host.server) return host.server.destroy();
    try {
      await dropDatabase(driver, host.adminUrl, name);
    } catch (error) {
      throw new Error(`could not drop test database ${name}: ${errorText(error)}`);
    }
  };
  const db: TestDatabase = {
    kind: driver.kind,
    url: databaseUrl(host.adminUrl, name),
    adminUrl: host.adminUrl,
    source: host.source,
    dispose: () => (disposed ??= dispose()),
  };
  if (host.server) db.server = publicControl(host.server);
  return db;
}

/** Hides destroy() so callers only get the ServerControl surface. */
function publicControl(server: OwnedServer): ServerControl {
  return {
    get port() {
      return server.port;
    },
    get pid() {
      return server.pid;
    },
    stop: () => server.stop(),
    start: () => server.start(),
    kill: () => server.kill(),
  };
}
