import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import type { ProgressItem } from "../../progress.js";
import type { ApplyResult, MigrationProgress } from "../../migrations/runner.js";
import { lockTimeout, migratorFor } from "./shared.js";

/** One bar for the whole apply: statements done of all pending migrations. */
function migrationItem(event: MigrationProgress): ProgressItem {
  const label = event.finished
    ? `${event.files} migration${event.files === 1 ? "" : "s"}`
    : `${event.id}: statement ${event.statement}/${event.statements} (file ${event.file}/${event.files})`;
  return { key: "migrate", label, done: event.done, total: event.total, unit: "statements", finished: event.finished };
}

export function registerApply(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("apply")
    .description("apply pending migrations in order, each in a transaction where the database's DDL is transactional")
    .option("--lock-timeout <seconds>", "how long to wait for another process applying migrations")
    .action(async (options: { lockTimeout?: string }) => {
      const ctx = context();
      const { migrator, lockTimeoutSeconds } = await migratorFor(ctx);
      const display = ctx.output.progressDisplay();
      let result: ApplyResult;
      try {
        result = await migrator.apply({
          progress: (message) => display.message(message),
          onProgress: (event) => display.update(migrationItem(event)),
          lockTimeoutSeconds: lockTimeout(options.lockTimeout, lockTimeoutSeconds),
        });
      } finally {
        display.stop();
      }
      ctx.output.result({ ok: true, ...result });
      if (result.applied.length === 0) ctx.output.line("Nothing to apply: the database is up to date.");
      for (const a of result.applied)
        ctx.output.line(`${ctx.output.paint("green", "applied")} ${a.id} (${a.durationMs} ms${a.resumedAt ? `, resumed at statement ${a.resumedAt}` : ""})`);
      for (const id of result.skipped) ctx.output.line(`skipped ${id}: applied by another process`);
    });
}
