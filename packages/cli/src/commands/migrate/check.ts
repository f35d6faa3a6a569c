import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { EXIT } from "../../output.js";
import { migratorFor } from "./shared.js";

export function registerCheck(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("check")
    .description("for CI: exit 1 on pending, edited, missing or out-of-order files, models ahead of the files, or a drifted database")
    .action(async () => {
      const ctx = context();
      const { migrator } = await migratorFor(ctx);
      const result = await migrator.check();
      ctx.output.result({ ok: result.ok, problems: result.problems, retired: result.retired, status: result.status });
      for (const r of result.retired)
        ctx.output.line(`note: ${r} is retired by a type change; drop it with a migration generated with --allow-destructive once nothing reads it`);
      if (result.ok) ctx.output.line(`${ctx.output.paint("green", "ok")}: ${result.status.applied.length} migration(s) applied, no drift`);
      for (const p of result.problems) ctx.output.line(`${ctx.output.paint("red", "✗")} ${p}`);
      if (!result.ok) ctx.exit(EXIT.failed);
    });
}
