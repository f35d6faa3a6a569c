// Command handlers for `dataflow run`, `dataflow serve` and `dataflow mcp`: argument parsing stays
// with the CLI package; these take parsed options and return an exit code.
import { readFile } from "node:fs/promises";
import type { ProgressListener, Workflows } from "@dataflow/kernel";
import { ValidationError } from "@dataflow/kernel";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { GatewayOptions } from "./gateway.js";
import { Gateway } from "./gateway.js";
import type { McpOptions } from "./mcp.js";
import { createMcpServer, planTools } from "./mcp.js";
import type { NexusOptions } from "./nexus.js";
import { Nexus } from "./nexus.js";
import { toProblem } from "./problem.js";
import { toJson } from "./serialize.js";

/** Where a command writes: stdout gets results, stderr gets problems and notices. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** Exit codes: 0 success, 1 the workflow failed or was refused, 2 bad command input. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface RunCliOptions extends GatewayOptions {
  readonly workflow: string;
  /** Inputs as a JSON object text. */
  readonly input?: string;
  /** A file holding the inputs as JSON. */
  readonly inputFile?: string;
  /** Bearer token (default: the DATAFLOW_TOKEN environment variable). */
  readonly token?: string;
  /** Progress of the run's long work (bulk writes, streamed lists), as `execute({ onProgress })`. */
  readonly onProgress?: ProgressListener;
}

async function readInputs(options: RunCliOptions): Promise<unknown> {
  if (options.input !== undefined && options.inputFile !== undefined) {
    throw new ValidationError("Give --input or --input-file, not both", { field: "input" });
  }
  const text = options.inputFile !== undefined ? await readFile(options.inputFile, "utf8") : options.input;
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${options.inputFile !== undefined ? "--input-file" : "--input"} is not valid JSON`, {
      field: options.inputFile !== undefined ? "input-file" : "input",
      fix: `e.g. --input '{"data":{"name":"Alice"}}'`,
    });
  }
}

/**
 * `dataflow run <workflow> --input '{...}'`: runs through the same policy as REST and MCP and prints
 * `{ results, runId }` as JSON, or the problem details on stderr. Does not close the database.
 */
export async function runWorkflowCli(workflows: Workflows, options: RunCliOptions, io: CliIo = processIo): Promise<number> {
  let gateway: Gateway | undefined;
  try {
    gateway = new Gateway(workflows, options);
    const inputs = await readInputs(options);
    const token = options.token ?? process.env.DATAFLOW_TOKEN;
    const out = await gateway.execute(
      options.workflow,
      inputs,
      { surface: "cli", ...(token ? { token } : {}) },
      options.onProgress ? { onProgress: options.onProgress } : {},
    );
    io.stdout.write(`${toJson(out, 2)}\n`);
    return EXIT.ok;
  } catch (error) {
    // Options the gateway refused are the caller's mistake: no server failure to log.
    const problem = gateway ? gateway.problem(error, { surface: "cli", workflow: options.workflow }) : toProblem(error);
    io.stderr.write(`${toJson(problem, 2)}\n`);
    return problem.status === 400 && problem.field !== undefined && ["input", "input-file"].includes(problem.field) ? EXIT.usage : EXIT.failed;
  }
}

/** `dataflow serve`: starts Nexus and stops it gracefully on SIGINT/SIGTERM. Resolves with the running server. */
export async function serveCli(workflows: Workflows, options: NexusOptions = {}, io: CliIo = processIo): Promise<Nexus> {
  const nexus = new Nexus(workflows, options);
  const url = await nexus.start();
  io.stderr.write(`DataFlow Nexus on ${url} (docs: ${url}/docs, OpenAPI: ${url}/openapi.json, MCP: ${url}/mcp)\n`);
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    void nexus.stop().then(
      () => io.stderr.write("stopped\n"),
      (error: unknown) => io.stderr.write(`stop failed: ${String(error)}\n`),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return nexus;
}

export interface McpStdioOptions extends GatewayOptions, McpOptions {
  /** Bearer token of the one caller this process serves (default: DATAFLOW_TOKEN). */
  readonly token?: string;
}

/** `dataflow mcp`: an MCP server on stdin/stdout for one client. Resolves when the client disconnects. */
export async function mcpStdio(workflows: Workflows, options: McpStdioOptions = {}): Promise<void> {
  const gateway = new Gateway(workflows, options);
  const tools = planTools(gateway.visible(!(options.allowWrites ?? false)), options);
  const token = options.token ?? process.env.DATAFLOW_TOKEN;
  const server = createMcpServer(gateway, tools, { surface: "mcp", ...(token ? { token } : {}) }, options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  await server.connect(transport);
  await closed;
}
