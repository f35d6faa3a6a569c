import { ValidationError } from "./errors.js";
import { isPlainObject } from "./filter.js";
import type { Logger } from "./logger.js";
import { quoteName, shortName } from "./names.js";
import type { Plugin, PoolOptions } from "./plugin.js";
import { ownProperties } from "./own.js";
import { didYouMean } from "./suggest.js";

const DATAFLOW_OPTIONS = ["url", "plugins", "autoMigrate", "existingSchemaMode", "pool", "logger", "slowQueryMs", "namespace", "adapter"] as const;
const POOL_OPTIONS = ["max", "min", "idleTimeoutMs", "acquireTimeoutMs", "statementTimeoutMs"] as const;
const LOGGER_METHODS = ["debug", "info", "warn", "error"] as const;

function unknownKey(key: string, known: readonly string[], where: string, prefix: string): ValidationError {
  const hint = didYouMean(key, known);
  return new ValidationError(`Unknown ${where} ${quoteName(key)}${hint ? `. ${hint}` : ""}`, {
    field: `${prefix}${shortName(key)}`,
    fix: `Known ${where}s: ${known.join(", ")}`,
  });
}

function checkKeys(options: Record<string, unknown>, known: readonly string[], where: string, prefix = ""): void {
  for (const key of Object.keys(options)) if (!known.includes(key)) throw unknownKey(key, known, where, prefix);
}

function integer(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`${field} must be an integer >= ${min}, got ${typeof value === "number" ? String(value) : `a ${typeof value}`}`, {
      field,
      fix: `Pass a whole number such as ${field === "pool.max" ? "10" : String(Math.max(min, 1) * 1000)}, not a string`,
    });
  }
  return value;
}

function boolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") {
    throw new ValidationError(`${field} must be true or false, got a ${typeof value}`, {
      field,
      fix: `Pass the boolean ${value === "false" ? "false" : "true"}, not a string`,
    });
  }
  return value;
}

/** Validated pool options (own properties only), or undefined. */
export function readPoolOptions(value: unknown): PoolOptions | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value))
    throw new ValidationError("pool must be an object such as { max: 10 }", { field: "pool", fix: "Pass pool options as an object, e.g. pool: { max: 10 }" });
  const pool = ownProperties(value);
  checkKeys(pool, POOL_OPTIONS, "pool option", "pool.");
  const max = integer(pool.max, "pool.max", 1);
  const min = integer(pool.min, "pool.min", 0);
  if (max !== undefined && min !== undefined && min > max) {
    throw new ValidationError(`pool.min (${min}) is larger than pool.max (${max})`, { field: "pool.min", fix: "Lower pool.min or raise pool.max" });
  }
  const out: Record<string, number> = Object.create(null);
  if (max !== undefined) out.max = max;
  if (min !== undefined) out.min = min;
  for (const key of ["idleTimeoutMs", "acquireTimeoutMs", "statementTimeoutMs"] as const) {
    const v = integer(pool[key], `pool.${key}`, 0);
    if (v !== undefined) out[key] = v;
  }
  return out as PoolOptions;
}

export interface ResolvedDataFlowOptions {
  readonly url: string | undefined;
  readonly plugins: readonly Plugin[];
  readonly autoMigrate: boolean | undefined;
  readonly existingSchemaMode: boolean | undefined;
  readonly pool: PoolOptions | undefined;
  readonly logger: Logger | undefined;
  readonly slowQueryMs: number | undefined;
  readonly namespace: string | undefined;
  readonly adapter: Record<string, unknown>;
}

/**
 * Reads `new DataFlow(...)` options: own properties only, unknown keys and ill-typed values are
 * `ValidationError`s naming the option and the fix.
 */
export function readDataFlowOptions(input: unknown): ResolvedDataFlowOptions {
  if (typeof input === "string") input = { url: input };
  if (!isPlainObject(input)) {
    throw new ValidationError("DataFlow options must be a URL string or a plain object", {
      field: "options",
      fix: 'new DataFlow("postgresql://...") or new DataFlow({ url, plugins, ... })',
    });
  }
  const options = ownProperties(input);
  checkKeys(options, DATAFLOW_OPTIONS, "DataFlow option");

  const url = options.url;
  if (url !== undefined && (typeof url !== "string" || url.length === 0)) {
    throw new ValidationError("url must be a non-empty string", { field: "url", fix: "Use a URL such as sqlite::memory: or postgresql://user@host/db" });
  }

  const rawPlugins = options.plugins ?? [];
  if (!Array.isArray(rawPlugins)) throw new ValidationError("plugins must be an array of plugins", { field: "plugins", fix: "Pass plugins: [plugin, ...]" });
  const plugins = rawPlugins.map((p: unknown, i) => {
    if (p === null || typeof p !== "object" || typeof (p as { name?: unknown }).name !== "string") {
      throw new ValidationError(`plugins[${i}] is not a plugin (got ${p === null ? "null" : Array.isArray(p) ? "an array" : `a ${typeof p}`})`, {
        field: `plugins[${i}]`,
        fix: 'Pass plugin objects made with definePlugin(), e.g. plugins: [tenancy({ strategy: "row" })]; remove null/undefined entries',
      });
    }
    return p as Plugin;
  });

  const logger = options.logger;
  if (logger !== undefined) {
    const missing =
      logger !== null && typeof logger === "object"
        ? LOGGER_METHODS.filter((m) => typeof (logger as Record<string, unknown>)[m] !== "function")
        : LOGGER_METHODS;
    if (missing.length > 0) {
      throw new ValidationError(`logger must be an object with ${LOGGER_METHODS.join(", ")} methods (missing: ${missing.join(", ")})`, {
        field: "logger",
        fix: "Pass a pino-compatible logger, or omit the option for no logging",
      });
    }
  }

  const namespace = options.namespace;
  if (namespace !== undefined && (typeof namespace !== "string" || !/^[A-Za-z][A-Za-z0-9_]{0,30}$/.test(namespace))) {
    throw new ValidationError("namespace must be letters, digits and underscores, starting with a letter", {
      field: "namespace",
      fix: 'Use a name such as "analytics" (at most 31 characters)',
    });
  }

  const adapter = options.adapter;
  if (adapter !== undefined && !isPlainObject(adapter)) {
    throw new ValidationError("adapter must be a plain object of adapter-specific options", {
      field: "adapter",
      fix: "Pass adapter: { ... } with the options your adapter documents",
    });
  }

  return {
    url: url as string | undefined,
    plugins,
    autoMigrate: boolean(options.autoMigrate, "autoMigrate"),
    existingSchemaMode: boolean(options.existingSchemaMode, "existingSchemaMode"),
    pool: readPoolOptions(options.pool),
    logger: logger as Logger | undefined,
    slowQueryMs: options.slowQueryMs === undefined ? undefined : integer(options.slowQueryMs, "slowQueryMs", 0),
    namespace: namespace as string | undefined,
    adapter: adapter === undefined ? Object.create(null) : ownProperties(adapter),
  };
}
