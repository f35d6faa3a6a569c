import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { migratorFor } from "./shared.js";

export function registerGenerate(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("generate")
    .description("diff the models against the last migration (or, before the first one, the database) and write a migration folder")
    .argument("<name>", "what the migration does, e.g. add_user_email")
    .option("--allow-destructive", "write the migration even when steps drop data or guarantees")
    .option("--from-empty", "diff against an empty database: the first migration of a project that grew with auto-migration")
    .action(async (name: string, options: { allowDestructive?: boolean; fromEmpty?: boolean }) => {
      const ctx = context();
      const { migrator } = await migratorFor(ctx);
      ctx.output.progress("comparing the models with the last migration state");
      const result = await migrator.generate(name, { allowDestructive: options.allowDestructive === true, fromEmpty: options.fromEmpty === true });
      ctx.output.result({ ok: true, ...result });
      if (result.id === undefined) {
        ctx.output.line(`No changes: the models match the ${result.baseline === "snapshot" ? "last migration" : result.baseline}; nothing written.`);
        return;
      }
      ctx.output.line(
        `${ctx.output.paint("green", "wrote")} ${result.dir} (${result.steps.length} step(s)${result.downWritten ? ", with down.sql" : ", no down.sql: a step cannot be undone"})`,
      );
      for (const step of result.steps) {
        ctx.output.line(`  ${step.destructive ? ctx.output.paint("yellow", "!") : "-"} ${step.description}`);
        if (step.destructive) ctx.output.line(`      ${step.destructive}`);
        for (const note of step.notes) ctx.output.line(`      ${note}`);
      }
    });
}
