import type { CommandModule } from "../../command.js";
import { registerApply } from "./apply.js";
import { registerCheck } from "./check.js";
import { registerDown } from "./down.js";
import { registerGenerate } from "./generate.js";
import { registerMarkApplied } from "./mark-applied.js";
import { registerStatus } from "./status.js";

/** `dataflow migrate <generate|apply|status|check|down|mark-applied>`. */
export const migrateCommand: CommandModule = {
  name: "migrate",
  register(program, context) {
    const migrate = program.command("migrate").description("migration files in git: generate, apply, status, check, down");
    registerGenerate(migrate, context);
    registerApply(migrate, context);
    registerStatus(migrate, context);
    registerCheck(migrate, context);
    registerDown(migrate, context);
    registerMarkApplied(migrate, context);
  },
};
