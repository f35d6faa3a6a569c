import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { lockTimeout, migratorFor } from "./shared.js";

export function registerMarkApplied(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("mark-applied")
    .description("record a migration as applied without running it (a database that already has that schema)")
    .argument("<id>", "the migration's folder name")
    .option("--lock-timeout <seconds>", "how long to wait for another process applying migrations")
    .action(async (id: string, options: { lockTimeout?: string }) => {
      const ctx = context();
      const { migrator, lockTimeoutSeconds } = await migratorFor(ctx);
      await migrator.markApplied(id, { progress: ctx.output.progress, lockTimeoutSeconds: lockTimeout(options.lockTimeout, lockTimeoutSeconds) });
      ctx.output.result({ ok: true, id });
      ctx.output.line(`recorded ${id} as applied`);
    });
}
