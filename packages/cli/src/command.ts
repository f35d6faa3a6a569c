import type { Command } from "commander";
import type { ResolvedConfig } from "./config.js";
import type { Output } from "./output.js";
import type { Project } from "./project.js";

/** What a command's action gets: output, config and project loaded on demand. */
export interface CommandContext {
  readonly output: Output;
  /** The working directory `run()` was given: relative paths of arguments resolve against it. */
  readonly cwd: string;
  config(): Promise<ResolvedConfig>;
  /** Loads the models and connects; closed by the program after the action. */
  project(): Promise<Project>;
  /** Sets the process exit code (`EXIT`). */
  exit(code: number): void;
}

/**
 * One command (or command group) of `dataflow`. Each lives in its own module and adds itself to
 * the program, so packages such as Nexus can contribute `run`, `serve` or `mcp`.
 */
export interface CommandModule {
  readonly name: string;
  register(program: Command, context: () => CommandContext): void;
}
