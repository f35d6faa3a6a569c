import { accessSync, constants, readdirSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function pathDirs(extra: readonly string[] = []): string[] {
  const fromPath = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  return [...new Set([...fromPath, ...extra])];
}

function findIn(dirs: readonly string[], names: readonly string[]): string | undefined {
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

const DEBIAN_PG_ROOT = "/usr/lib/postgresql";

function debianPostgresBinDirs(): string[] {
  let versions: string[];
  try {
    versions = readdirSync(DEBIAN_PG_ROOT);
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_PG_ROOT, v, "bin"));
}

export function findPostgresBinaries(): PostgresBinaries | undefined {
  for (const dir of [...debianPostgresBinDirs(), ...pathDirs()]) {
    const initdb = join(dir, "initdb");
    const postgres = join(dir, "postgres");
    if (isExecutable(initdb) && isExecutable(postgres)) return { initdb, postgres };
  }
  return undefined;
}

export const MISSING_POSTGRES = `no PostgreSQL server binaries under ${DEBIAN_PG_ROOT}/*/bin or on PATH`;

export interface MariaDbBinaries {
  server: string;
  installDb: string;
}

const SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/usr/libexec"];

export function findMariaDbBinaries(): MariaDbBinaries | undefined {
  const dirs = pathDirs(SBIN_DIRS);
  const server = findIn(dirs, ["mariadbd", "mysqld"]);
  const installDb = findIn(dirs, ["mariadb-install-db", "mysql_install_db"]);
  return server && installDb ? { server, installDb } : undefined;
}

export const MISSING_MARIADB = "no MariaDB server binaries (mariadbd or mysqld, plus mariadb-install-db or mysql_install_db) on PATH or in /usr/sbin";

/** The `pgbouncer` binary on PATH or in the sbin directories (Debian installs it in /usr/sbin). */
export function findPgbouncerBinary(): string | undefined {
  return findIn(pathDirs(SBIN_DIRS), ["pgbouncer"]);
}
