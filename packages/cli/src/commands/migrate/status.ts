import type { Command } from "commander";
import type { CommandContext } from "../../command.js";
import { migratorFor } from "./shared.js";

export function registerStatus(migrate: Command, context: () => CommandContext): void {
  migrate
    .command("status")
    .description("list applied and pending migrations, and files changed or missing since they were applied")
    .action(async () => {
      const ctx = context();
      const { migrator } = await migratorFor(ctx);
      const status = await migrator.status();
      ctx.output.result({ ok: true, ...status });
      const o = ctx.output;
      for (const a of status.applied) o.line(`${o.paint("green", "applied")}  ${a.id}  ${a.finishedAt}${a.durationMs === null ? "" : `  ${a.durationMs} ms`}`);
      for (const r of status.interrupted)
        o.line(`${o.paint("red", "interrupted")}  ${r.id}  after statement ${r.statementsDone} of ${r.statementsTotal}${r.error ? `: ${r.error}` : ""}`);
      for (const p of status.pending) o.line(`${o.paint("yellow", "pending")}  ${p}`);
      for (const t of status.tampered) o.line(`${o.paint("red", "edited")}  ${t.id}  changed after it was applied`);
      for (const m of status.missing) o.line(`${o.paint("red", "missing")}  ${m}  applied, folder gone`);
      for (const x of status.outOfOrder) o.line(`${o.paint("red", "out of order")}  ${x.id}  sorts before the applied ${x.before}`);
      if (status.applied.length + status.pending.length + status.interrupted.length === 0) o.line("No migrations.");
    });
}
