import type { CommandModule } from "../command.js";
import { migrateCommand } from "./migrate/index.js";
import { nexusCommands } from "./nexus.js";
import { pullCommand } from "./pull.js";

/** The commands `dataflow` ships with. */
export const builtinCommands: readonly CommandModule[] = [pullCommand, migrateCommand, nexusCommands];
