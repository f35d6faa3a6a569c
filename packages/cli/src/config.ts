import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { ValidationError } from "@dataflow/kernel/plugin";
import { createJiti } from "jiti";

/** `dataflow.config.ts`: where the models are, which database, where migration files live. */
export interface DataflowConfig {
  /** Module declaring the models, relative to the config file: it exports a `DataFlow` (default or `db`), or a function `(db) => void` (default or `models`) that declares them on the database at `url`. */
  readonly models: string;
  /** Database URL, usually `process.env.DATABASE_URL`. Required with the function form of `models`. */
  readonly url?: string | undefined;
  /** Folder of migration files, relative to the config file. Default `./migrations`. */
  readonly migrations?: string;
  /** Table recording applied migrations. Default `dataflow_migrations`. */
  readonly historyTable?: string;
  /** Seconds `migrate apply` and `down` wait for another process's lock. Default 600. */
  readonly lockTimeoutSeconds?: number;
}

/** Types the config file; returns it unchanged. */
export function defineConfig(config: DataflowConfig): DataflowConfig {
  return config;
}

export const CONFIG_FILES = ["dataflow.config.ts", "dataflow.config.mts", "dataflow.config.js", "dataflow.config.mjs"] as const;

/** A loaded config with absolute paths. */
export interface ResolvedConfig {
  readonly file: string;
  readonly models: string;
  readonly url: string | undefined;
  readonly migrations: string;
  readonly historyTable: string;
  readonly lockTimeoutSeconds: number;
}

const KEYS = new Set(["models", "url", "migrations", "historyTable", "lockTimeoutSeconds"]);

/** A config file that is missing or does not say what it must, or a bad option value. Exit code 2. */
export class ConfigError extends ValidationError {
  override readonly code: string = "CONFIG_ERROR";
}

export const jiti = createJiti(import.meta.url, { moduleCache: false });

export function findConfig(cwd: string, explicit: string | undefined): string {
  if (explicit !== undefined) {
    const file = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`Config file ${file} does not exist`, { field: "--config", fix: "Pass the path of your dataflow.config.ts" });
    return file;
  }
  for (const name of CONFIG_FILES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigError(`No dataflow.config.ts in ${cwd}`, {
    fix: 'Create one: export default defineConfig({ models: "./models.ts", url: process.env.DATABASE_URL, migrations: "./migrations" }), or pass --config <path>',
  });
}

export async function loadConfig(cwd: string, explicit?: string): Promise<ResolvedConfig> {
  const file = findConfig(cwd, explicit);
  let loaded: unknown;
  try {
    loaded = await jiti.import(file, { default: true });
  } catch (error) {
    throw new ConfigError(`Loading ${file} failed: ${(error as Error).message}`, { cause: error, fix: "Fix the error in the config file" });
  }
  if (loaded === null || typeof loaded !== "object") {
    throw new ConfigError(`${file} must export a config object as default`, { fix: "export default defineConfig({ models: './models.ts', ... })" });
  }
  const config = loaded as Record<string, unknown>;
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) throw new ConfigError(`Unknown config key '${key}' in ${file}`, { field: key, fix: `Known keys: ${[...KEYS].join(", ")}` });
  }
  if (typeof config.models !== "string" || config.models === "") {
    throw new ConfigError(`'models' in ${file} must be the path of the module declaring your models`, { field: "models", fix: 'models: "./models.ts"' });
  }
  if (config.url !== undefined && typeof config.url !== "string") throw new ConfigError(`'url' in ${file} must be a string`, { field: "url" });
  if (config.migrations !== undefined && typeof config.migrations !== "string")
    throw new ConfigError(`'migrations' in ${file} must be a folder path`, { field: "migrations" });
  if (config.historyTable !== undefined && (typeof config.historyTable !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(config.historyTable))) {
    throw new ConfigError(`'historyTable' in ${file} must be a plain table name`, { field: "historyTable", fix: "Letters, digits and underscores" });
  }
  const timeout = config.lockTimeoutSeconds;
  if (timeout !== undefined && !(typeof timeout === "number" && Number.isInteger(timeout) && timeout >= 0)) {
    throw new ConfigError(`'lockTimeoutSeconds' in ${file} must be a whole number of seconds`, { field: "lockTimeoutSeconds" });
  }
  const base = dirname(file);
  return {
    file,
    models: resolve(base, config.models),
    url: config.url === "" ? undefined : (config.url as string | undefined),
    migrations: resolve(base, (config.migrations as string | undefined) ?? "./migrations"),
    historyTable: (config.historyTable as string | undefined) ?? "dataflow_migrations",
    lockTimeoutSeconds: (timeout as number | undefined) ?? 600,
  };
}
