import { chownSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { PostgresBinaries } from "./binaries.js";
import { execTool } from "./exec.js";
import { LocalServer } from "./local-server.js";
import { isRoot, makeServerDir, systemUser } from "./run-as.js";
import type { LocalServerOptions } from "./types.js";

// Survives a server crash (kill()), not an OS crash. synchronous_commit stays on: with fsync off it
// costs nothing measurable, and off it would lose acknowledged commits when kill() hits.
const NON_DURABLE = ["fsync=off", "full_page_writes=off"];

/** postmaster.pid line 8 reads "ready" once the server accepts connections (what pg_ctl checks). */
function postmasterReady(dataDir: string, pid: number): boolean {
  try {
    const lines = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n");
    return Number(lines[0]) === pid && lines[7]?.trim() === "ready";
  } catch {
    return false;
  }
}

export async function launchPostgres(bins: PostgresBinaries, options: LocalServerOptions): Promise<LocalServer> {
  // initdb and postgres refuse to run as root.
  const runAs = isRoot() ? systemUser(["postgres", "nobody"]) : undefined;
  if (isRoot() && !runAs) throw new Error("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as");
  const dir = makeServerDir("dataflow-pg-", runAs);
  const dataDir = join(dir, "data");
  try {
    mkdirSync(dataDir, { mode: 0o700 });
    if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
    await execTool(bins.initdb, ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], { cwd: dir, runAs });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const settings = [`max_connections=${options.maxConnections}`, "lc_messages=C", ...(options.durable ? [] : NON_DURABLE)];
  return LocalServer.launch({
    name: "PostgreSQL",
    command: bins.postgres,
    args: (port) => ["-D", dataDir, "-p", String(port), "-h", "127.0.0.1", "-k", dir, ...settings.flatMap((s) => ["-c", s])],
    dir,
    runAs,
    stopSignal: "SIGINT",
    isReady: (pid) => postmasterReady(dataDir, pid),
  });
}

export function postgresAdminUrl(port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}
