import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { lockTimeout, migratorFor } from "./shared.js";

export function registerDown(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("down")
    .description("revert applied migrations newer than --to, newest first, with their down.sql")
    .requiredOption("--to <id>", "the migration to go back to (it stays applied); 0 reverts all")
    .option("--lock-timeout <seconds>", "how long to wait for another process applying migrations")
    .action(async (options: { to: string; lockTimeout?: string }) => {
      const ctx = context();
      const { migrator, lockTimeoutSeconds } = await migratorFor(ctx);
      const result = await migrator.down(options.to, {
        progress: ctx.output.progress,
        lockTimeoutSeconds: lockTimeout(options.lockTimeout, lockTimeoutSeconds),
      });
      ctx.output.result({ ok: true, ...result });
      if (result.reverted.length === 0) ctx.output.line(`Nothing to revert: ${options.to} is the newest applied migration.`);
      for (const id of result.reverted) ctx.output.line(`${ctx.output.paint("green", "reverted")} ${id}`);
    });
}
