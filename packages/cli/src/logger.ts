// The operators' log of `dataflow run | serve | mcp`: pino JSON lines on stderr (stdout carries
// results, and the MCP protocol for `dataflow mcp`), at the level of --log-level or DATAFLOW_LOG_LEVEL.
import type { Logger } from "@dataflow/kernel";
import { pino } from "pino";
import { ConfigError } from "./config.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The default: the failures that are the server's own. `warn` adds refused runs, slow queries and pool waits; `info` a line per run. */
export const DEFAULT_LOG_LEVEL: LogLevel = "error";

export const LOG_LEVEL_ENV = "DATAFLOW_LOG_LEVEL";

/** The `--log-level` option, else DATAFLOW_LOG_LEVEL, else `error`. */
export function logLevel(option: string | undefined, env: NodeJS.ProcessEnv = process.env): LogLevel {
  const fromEnv = env[LOG_LEVEL_ENV] === "" ? undefined : env[LOG_LEVEL_ENV];
  const value = option ?? fromEnv ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError(`${option !== undefined ? "--log-level" : LOG_LEVEL_ENV} must be one of ${LOG_LEVELS.join(", ")}, not '${value}'`, {
      field: option !== undefined ? "--log-level" : LOG_LEVEL_ENV,
      fix: `e.g. --log-level info`,
    });
  }
  return value as LogLevel;
}

/**
 * A pino logger writing JSON lines to stderr synchronously, so the last lines before an exit are
 * not lost. Errors under `err` are serialized with their class, message, stack and cause.
 */
export function stderrLogger(level: LogLevel, destination: number | string = 2): Logger {
  return pino({ name: "dataflow", level }, pino.destination({ dest: destination, sync: true }));
}
