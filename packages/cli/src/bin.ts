#!/usr/bin/env node
import { builtinCommands } from "./commands/index.js";
import { run } from "./program.js";

process.exitCode = await run(process.argv, builtinCommands);
