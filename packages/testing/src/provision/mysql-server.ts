import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { MariaDbBinaries } from "./binaries.js";
import { execTool } from "./exec.js";
import { LocalServer } from "./local-server.js";
import { isRoot, makeServerDir } from "./run-as.js";
import type { LocalServerOptions } from "./types.js";

/** MySQL 8's default sql_mode, so MariaDB rejects what MySQL would. */
export const STRICT_SQL_MODE = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

// Commits reach the OS at once (surviving kill()) but are flushed to disk only about once a second.
const NON_DURABLE = ["--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0", "--sync-binlog=0", "--innodb-log-file-size=32M"];

function serverOptions(options: LocalServerOptions): string[] {
  return [
    "--skip-name-resolve",
    "--skip-log-bin",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    `--sql-mode=${STRICT_SQL_MODE}`,
    `--max-connections=${options.maxConnections}`,
    "--max-allowed-packet=64M",
    "--innodb-buffer-pool-dump-at-shutdown=0",
    "--innodb-buffer-pool-load-at-startup=0",
    ...(options.durable ? [] : NON_DURABLE),
    // mariadbd refuses to run as root unless told to.
    ...(isRoot() ? ["--user=root"] : []),
  ];
}

export async function launchMariaDb(bins: MariaDbBinaries, options: LocalServerOptions): Promise<LocalServer> {
  const dir = makeServerDir("dataflow-mysql-");
  const dataDir = join(dir, "data");
  const tmpDir = join(dir, "tmp");
  // A private tmpdir: concurrent bootstraps sharing /tmp can collide on temp table file names.
  const common = ["--no-defaults", `--datadir=${dataDir}`, `--tmpdir=${tmpDir}`, ...serverOptions(options)];
  try {
    mkdirSync(tmpDir);
    await execTool(bins.installDb, [...common, "--auth-root-authentication-method=normal", "--skip-test-db"], { cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return LocalServer.launch({
    name: "MariaDB",
    command: bins.server,
    args: (port) => [...common, `--port=${port}`, "--bind-address=127.0.0.1", `--socket=${join(dir, "mysqld.sock")}`, `--pid-file=${join(dir, "mysqld.pid")}`],
    dir,
    runAs: undefined,
    stopSignal: "SIGTERM",
    isReady: (_pid, log) => log.includes("ready for connections"),
  });
}

export function mysqlAdminUrl(port: number): string {
  return `mysql://root@127.0.0.1:${port}/mysql`;
}
