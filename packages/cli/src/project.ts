import type { Model } from "@dataflow/kernel/plugin";
import { DataFlow } from "@dataflow/kernel";
import type { Logger } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { ConfigError, jiti } from "./config.js";
import type { ResolvedConfig } from "./config.js";

/** The models and the database a command works on. */
export interface Project {
  readonly models: readonly Model[];
  readonly adapter: DatabaseAdapter;
  close(): Promise<void>;
}

interface DataFlowLike {
  readonly models: ReadonlyMap<string, Model>;
  readonly adapter: unknown;
  close(): Promise<void>;
}

function isDataFlow(value: unknown): value is DataFlowLike {
  return value !== null && typeof value === "object" && (value as DataFlowLike).models instanceof Map && "adapter" in value;
}

function sqlAdapter(adapter: unknown): DatabaseAdapter {
  const a = adapter as Partial<DatabaseAdapter> | null;
  if (!a || a.adapterType !== "sql" || !a.dialect || typeof a.acquire !== "function") {
    throw new ConfigError("Migrations need a SQL database (PostgreSQL, MySQL/MariaDB or SQLite)", { field: "url" });
  }
  return a as DatabaseAdapter;
}

/**
 * Imports the models module and returns its `DataFlow`: the exported instance, or a new one on
 * `config.url` given to the exported function (`default`, `models` or `defineModels`, the name
 * `dataflow pull` writes). `autoMigrate`, `existingSchemaMode` and `logger` apply only to a DataFlow created here.
 */
export async function loadDataFlow(
  config: ResolvedConfig,
  options: { autoMigrate: boolean; existingSchemaMode?: boolean; logger?: Logger },
): Promise<DataFlow> {
  let mod: Record<string, unknown>;
  try {
    mod = (await jiti.import(config.models)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`Loading the models module ${config.models} failed: ${(error as Error).message}`, { cause: error, field: "models" });
  }
  const exported = [mod.default, mod.db, mod.models, mod.defineModels].find((e) => isDataFlow(e) || typeof e === "function");
  if (isDataFlow(exported)) return exported as unknown as DataFlow;
  if (typeof exported === "function") {
    if (config.url === undefined) {
      throw new ConfigError(`'url' in ${config.file} is empty`, { field: "url", fix: "Set DATABASE_URL (or url in the config) to your database" });
    }
    const created = new DataFlow({
      url: config.url,
      autoMigrate: options.autoMigrate,
      existingSchemaMode: options.existingSchemaMode === true,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    await (exported as (db: DataFlow) => unknown)(created);
    return created;
  }
  throw new ConfigError(`${config.models} exports neither a DataFlow nor a function declaring models`, {
    field: "models",
    fix: "export default db (your DataFlow instance), or export default (db) => { db.model(...) }",
  });
}

/**
 * The project migrations work on. Nothing here triggers DataFlow's own schema work: commands use
 * the adapter directly, so auto-migration never runs behind a migration's back.
 */
export async function loadProject(config: ResolvedConfig): Promise<Project> {
  const db = await loadDataFlow(config, { autoMigrate: false });
  let adapter: DatabaseAdapter;
  try {
    adapter = sqlAdapter(db.adapter);
    await adapter.connect();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return { models: [...db.models.values()], adapter, close: () => db.close() };
}
