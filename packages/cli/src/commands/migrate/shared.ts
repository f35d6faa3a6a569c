import type { CommandContext } from "../../command.js";
import { ConfigError } from "../../config.js";
import { Migrator } from "../../migrations/migrator.js";

export async function migratorFor(context: CommandContext): Promise<{ migrator: Migrator; lockTimeoutSeconds: number }> {
  const config = await context.config();
  const project = await context.project();
  const migrator = new Migrator({ models: project.models, adapter: project.adapter, directory: config.migrations, historyTable: config.historyTable });
  return { migrator, lockTimeoutSeconds: config.lockTimeoutSeconds };
}

export function lockTimeout(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`--lock-timeout must be a whole number of seconds, not '${value}'`, { field: "--lock-timeout" });
  return n;
}
