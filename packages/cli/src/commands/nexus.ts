import type { DataFlow, Logger, ProgressEvent } from "@dataflow/kernel";
import type { Command } from "commander";
import type { CommandContext, CommandModule } from "../command.js";
import { ConfigError } from "../config.js";
import { LOG_LEVELS, LOG_LEVEL_ENV, logLevel, stderrLogger } from "../logger.js";
import type { ProgressItem } from "../progress.js";
import { loadDataFlow } from "../project.js";

type NexusModule = typeof import("@dataflow/nexus");

async function loadNexus(): Promise<NexusModule> {
  try {
    return await import("@dataflow/nexus");
  } catch (error) {
    throw new ConfigError("This command needs @dataflow/nexus", { cause: error, field: "nexus", fix: "npm install @dataflow/nexus" });
  }
}

/** Options every one of these commands takes. `--existing-schema`: the schema comes from migration files, so they never run DDL. */
interface CommonOptions {
  existingSchema?: boolean;
  logLevel?: string;
}

const EXISTING_SCHEMA_FLAG = "--existing-schema";
const EXISTING_SCHEMA_HELP = "never run DDL (tables come from migration files, as in production); default: dev auto-migration";
const LOG_LEVEL_FLAG = "--log-level <level>";
const LOG_LEVEL_HELP = `log to stderr (pino JSON lines) at ${LOG_LEVELS.join(" | ")} (default: ${LOG_LEVEL_ENV}, else error)`;

/** What a command serves: the project's DataFlow, the Nexus module, and the log its failures go to. */
interface DataFlowAndNexus {
  readonly db: DataFlow;
  readonly nexus: NexusModule;
  readonly logger: Logger;
}

/** Loads the project's DataFlow and @dataflow/nexus; the program's context closes nothing here, so each command closes the DataFlow. */
async function loadDataFlowAndNexus(ctx: CommandContext, options: CommonOptions): Promise<DataFlowAndNexus> {
  const logger = stderrLogger(logLevel(options.logLevel));
  const nexus = await loadNexus();
  const existingSchemaMode = options.existingSchema === true;
  // A DataFlow the models module creates itself keeps its own logger; Nexus still logs failures to this one.
  const db = await loadDataFlow(await ctx.config(), { autoMigrate: !existingSchemaMode, existingSchemaMode, logger });
  return { db, nexus, logger };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--port must be a port number, not '${value}'`, { field: "--port" });
  return n;
}

/** One bar per node of the run that reports progress (bulk writes, streamed lists, vector inserts). */
function nodeItem(event: ProgressEvent): ProgressItem {
  return {
    key: event.nodeId,
    label: `${event.operation} ${event.model} (${event.nodeId})`,
    done: event.done,
    total: event.total,
    unit: "rows",
    finished: event.finished,
  };
}

function registerRun(program: Command, context: () => CommandContext): void {
  program
    .command("run <workflow>")
    .description("run one workflow of db.getWorkflows() and print { results, runId } as JSON")
    .option("-i, --input <json>", "the workflow's inputs as a JSON object")
    .option("-f, --input-file <file>", "a file holding the inputs as JSON")
    .option("--token <token>", "bearer token checked by the policy (default: DATAFLOW_TOKEN)")
    .option("--read-only", "refuse workflows that write or delete")
    .option(EXISTING_SCHEMA_FLAG, EXISTING_SCHEMA_HELP)
    .option(LOG_LEVEL_FLAG, LOG_LEVEL_HELP)
    .action(async (workflow: string, options: CommonOptions & { input?: string; inputFile?: string; token?: string; readOnly?: boolean }) => {
      const ctx = context();
      const { db, nexus, logger } = await loadDataFlowAndNexus(ctx, options);
      const display = ctx.output.progressDisplay();
      try {
        const code = await nexus.runWorkflowCli(db.getWorkflows(), {
          onProgress: (event) => display.update(nodeItem(event)),
          workflow,
          logger,
          ...(options.input === undefined ? {} : { input: options.input }),
          ...(options.inputFile === undefined ? {} : { inputFile: options.inputFile }),
          ...(options.token === undefined ? {} : { token: options.token }),
          ...(options.readOnly ? { readOnly: true } : {}),
        });
        ctx.exit(code);
      } finally {
        display.stop();
        await db.close();
      }
    });
}

function registerServe(program: Command, context: () => CommandContext): void {
  program
    .command("serve")
    .description("serve the workflows as REST (/openapi.json, /docs) and MCP (/mcp) until SIGINT or SIGTERM")
    .option("-p, --port <port>", "port (0 picks a free one)", "3000")
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--read-only", "refuse workflows that write or delete on every surface")
    .option("--mcp-writes", "let MCP clients call workflows that write (default: MCP is read-only)")
    .option(EXISTING_SCHEMA_FLAG, EXISTING_SCHEMA_HELP)
    .option(LOG_LEVEL_FLAG, LOG_LEVEL_HELP)
    .action(async (options: CommonOptions & { port: string; host: string; readOnly?: boolean; mcpWrites?: boolean }) => {
      const ctx = context();
      const { db, nexus, logger } = await loadDataFlowAndNexus(ctx, options);
      const server = await nexus.serveCli(db.getWorkflows(), {
        logger,
        port: port(options.port),
        host: options.host,
        ...(options.readOnly ? { readOnly: true } : {}),
        mcp: { allowWrites: options.mcpWrites === true },
      });
      await new Promise<void>((resolve) => server.app.server.once("close", () => resolve()));
    });
}

function registerMcp(program: Command, context: () => CommandContext): void {
  program
    .command("mcp")
    .description("an MCP server on stdin/stdout (read-only unless --allow-writes)")
    .option("--allow-writes", "expose and allow workflows that write or delete")
    .option("--token <token>", "bearer token of the client (default: DATAFLOW_TOKEN)")
    .option(EXISTING_SCHEMA_FLAG, EXISTING_SCHEMA_HELP)
    .option(LOG_LEVEL_FLAG, LOG_LEVEL_HELP)
    .action(async (options: CommonOptions & { allowWrites?: boolean; token?: string }) => {
      const ctx = context();
      const { db, nexus, logger } = await loadDataFlowAndNexus(ctx, options);
      try {
        await nexus.mcpStdio(db.getWorkflows(), {
          logger,
          allowWrites: options.allowWrites === true,
          ...(options.token === undefined ? {} : { token: options.token }),
        });
      } finally {
        await db.close();
      }
    });
}

/** `dataflow run | serve | mcp`: the workflows of the project's DataFlow through @dataflow/nexus (one policy on every surface). */
export const nexusCommands: CommandModule = {
  name: "nexus",
  register(program, context) {
    registerRun(program, context);
    registerServe(program, context);
    registerMcp(program, context);
  },
};
