import { createRequire } from "node:module";
import { join } from "node:path";
import { PluginError } from "./errors.js";
import type { Plugin } from "./plugin.js";

/** URL scheme -> first-party package that provides its adapter. */
export const FIRST_PARTY_SCHEMES: Readonly<Record<string, string>> = {
  sqlite: "@dataflow/sql-sqlite",
  postgres: "@dataflow/sql-postgres",
  postgresql: "@dataflow/sql-postgres",
  mysql: "@dataflow/sql-mysql",
  mariadb: "@dataflow/sql-mysql",
  mongodb: "@dataflow/document-mongo",
  "mongodb+srv": "@dataflow/document-mongo",
};

export function schemeOf(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!m) {
    throw new PluginError("The database URL has no scheme", {
      fix: "Use a URL such as sqlite::memory:, postgresql://user@host/db or mysql://user@host/db",
    });
  }
  return m[1]!.toLowerCase();
}

function isMissing(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return (e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_MODULE_NOT_FOUND") && (e.message ?? "").includes(pkg);
}

/**
 * Loads a first-party adapter package synchronously (Node >= 20.19 can `require` ES modules),
 * looking from the application's directory first, then from the kernel's.
 */
export function loadFirstPartyPlugin(scheme: string): Plugin {
  const pkg = FIRST_PARTY_SCHEMES[scheme];
  if (!pkg) {
    throw new PluginError(`No adapter is registered for the URL scheme '${scheme}:'`, {
      fix: `Pass the adapter's plugin: new DataFlow({ url, plugins: [plugin] }). Built-in schemes: ${Object.keys(FIRST_PARTY_SCHEMES).join(", ")}`,
    });
  }
  const bases = [join(process.cwd(), "package.json"), import.meta.url];
  if (process.argv[1]) bases.push(process.argv[1]);
  for (const base of bases) {
    let mod: { default?: Plugin } | undefined;
    try {
      mod = createRequire(base)(pkg) as { default?: Plugin };
    } catch (error) {
      if (isMissing(error, pkg)) continue;
      throw new PluginError(`Loading ${pkg} failed`, { cause: error });
    }
    if (mod?.default && typeof mod.default === "object") return mod.default;
    throw new PluginError(`${pkg} has no default export plugin`);
  }
  throw new PluginError(`The '${scheme}:' URL needs the package ${pkg}, which is not installed`, {
    fix: `Install it: npm install ${pkg}`,
  });
}
