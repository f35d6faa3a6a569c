import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { lockTimeout, migratorFor } from "./shared.js";

export function registerApply(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("apply")
    .description("apply pending migrations in order, each in a transaction where the database's DDL is transactional")
    .option("--lock-timeout <seconds>", "how long to wait for another process applying migrations")
    .action(async (options: { lockTimeout?: string }) => {
      const ctx = context();
      const { migrator, lockTimeoutSeconds } = await migratorFor(ctx);
      const result = await migrator.apply({ progress: ctx.output.progress, lockTimeoutSeconds: lockTimeout(options.lockTimeout, lockTimeoutSeconds) });
      ctx.output.result({ ok: true, ...result });
      if (result.applied.length === 0) ctx.output.line("Nothing to apply: the database is up to date.");
      for (const a of result.applied)
        ctx.output.line(`${ctx.output.paint("green", "applied")} ${a.id} (${a.durationMs} ms${a.resumedAt ? `, resumed at statement ${a.resumedAt}` : ""})`);
      for (const id of result.skipped) ctx.output.line(`skipped ${id}: applied by another process`);
    });
}
