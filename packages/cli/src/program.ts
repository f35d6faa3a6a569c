import { Command, CommanderError } from "commander";
import type { CommandContext, CommandModule } from "./command.js";
import { ConfigError, loadConfig } from "./config.js";
import type { ResolvedConfig } from "./config.js";
import { EXIT, Output } from "./output.js";
import type { Project } from "./project.js";
import { loadProject } from "./project.js";

interface GlobalOptions {
  config?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Runs `dataflow` with `argv` (as `process.argv`) and the given command modules; resolves to the exit code. */
export async function run(argv: readonly string[], commands: readonly CommandModule[], cwd = process.cwd()): Promise<number> {
  const program = new Command("dataflow")
    .description("DataFlow command line: models from a database (pull), migrations from your models, and workflows (run, serve, mcp)")
    .option("-c, --config <path>", "config file (default: dataflow.config.ts in the working directory)")
    .option("--json", "print the result as one JSON document on stdout")
    .option("-q, --quiet", "no progress lines on stderr")
    .option("--no-color", "never colour the output (also off when not a terminal or NO_COLOR is set)")
    .showHelpAfterError()
    .exitOverride();

  let exitCode: number = EXIT.ok;
  let project: Project | undefined;
  let config: Promise<ResolvedConfig> | undefined;
  let output: Output | undefined;
  const context = (): CommandContext => {
    const options = program.opts<GlobalOptions>();
    output ??= Output.create(options);
    return {
      output,
      cwd,
      config: () => {
        config ??= loadConfig(cwd, options.config);
        return config;
      },
      project: async () => {
        project ??= await loadProject(await (config ??= loadConfig(cwd, options.config)));
        return project;
      },
      exit: (code) => {
        exitCode = code;
      },
    };
  };
  for (const command of commands) command.register(program, context);

  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; unknown commands and options, missing arguments and a bare command group are usage errors.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    (output ?? Output.create(program.opts<GlobalOptions>())).error(error);
    exitCode = error instanceof ConfigError ? EXIT.usage : EXIT.failed;
  } finally {
    await project?.close().catch(() => undefined);
  }
  return exitCode;
}
