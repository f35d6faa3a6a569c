import type { CommandModule } from "../command.js";
import { migrateCommand } from "./migrate/index.js";

/** The commands `dataflow` ships with. */
export const builtinCommands: readonly CommandModule[] = [migrateCommand];
