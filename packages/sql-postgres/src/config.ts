import type { PoolOptions } from "@dataflow/kernel/plugin";
import { ValidationError } from "@dataflow/kernel/plugin";

/** Pool and session settings resolved from the URL and the adapter options. */
export interface PostgresSettings {
  /** The URL without the parameters DataFlow consumes; pg parses the rest (sslmode, options, host, ...). */
  readonly connectionString: string;
  readonly max: number;
  readonly min: number;
  readonly idleTimeoutMs: number;
  /** How long to wait for a pooled connection, including opening a new one. */
  readonly acquireTimeoutMs: number;
  /** `statement_timeout` of every session in ms; 0 = none. */
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
}

export const DEFAULTS = {
  max: 10,
  min: 0,
  idleTimeoutMs: 10_000,
  acquireTimeoutMs: 30_000,
  statementTimeoutMs: 0,
  applicationName: "dataflow",
} as const;

/** URL query parameters that configure DataFlow's pool rather than the libpq connection. */
const OWN_PARAMS = ["max", "min", "idle_timeout", "acquire_timeout", "connect_timeout", "statement_timeout"] as const;

function nonNegativeInt(raw: string | number | undefined, name: string, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === "number" ? raw : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`The PostgreSQL setting '${name}' must be an integer >= ${min}`, { field: name });
  }
  return n;
}

/**
 * `postgres[ql]://user:pass@host:port/db?max=20&statement_timeout=5000&sslmode=require`.
 * DataFlow reads `max`, `min`, `idle_timeout` (ms), `acquire_timeout` (ms), `connect_timeout`
 * (seconds, as in libpq) and `statement_timeout` (ms); `options.pool` wins over the URL.
 */
export function resolveSettings(url: string, pool: PoolOptions = {}): PostgresSettings {
  if (!/^postgres(?:ql)?:\/\//i.test(url)) {
    throw new ValidationError("Not a postgres:// or postgresql:// URL", {
      fix: "Use postgresql://user:password@host:5432/database",
    });
  }
  const cut = url.indexOf("?");
  const base = cut === -1 ? url : url.slice(0, cut);
  const query = new URLSearchParams(cut === -1 ? "" : url.slice(cut + 1));
  const own = new Map<string, string>();
  for (const name of OWN_PARAMS) {
    const value = query.get(name);
    if (value !== null) own.set(name, value);
    query.delete(name);
  }
  const rest = query.toString();
  const connectTimeoutSeconds = nonNegativeInt(own.get("connect_timeout"), "connect_timeout");
  const max = nonNegativeInt(pool.max, "pool.max", 1) ?? nonNegativeInt(own.get("max"), "max", 1) ?? DEFAULTS.max;
  const min = nonNegativeInt(pool.min, "pool.min") ?? nonNegativeInt(own.get("min"), "min") ?? DEFAULTS.min;
  if (min > max) throw new ValidationError(`The pool minimum (${min}) is larger than its maximum (${max})`, { field: "pool.min" });
  return {
    connectionString: rest ? `${base}?${rest}` : base,
    max,
    min,
    idleTimeoutMs: nonNegativeInt(pool.idleTimeoutMs, "pool.idleTimeoutMs") ?? nonNegativeInt(own.get("idle_timeout"), "idle_timeout") ?? DEFAULTS.idleTimeoutMs,
    acquireTimeoutMs:
      nonNegativeInt(pool.acquireTimeoutMs, "pool.acquireTimeoutMs") ??
      nonNegativeInt(own.get("acquire_timeout"), "acquire_timeout") ??
      (connectTimeoutSeconds === undefined ? DEFAULTS.acquireTimeoutMs : connectTimeoutSeconds * 1000),
    statementTimeoutMs:
      nonNegativeInt(pool.statementTimeoutMs, "pool.statementTimeoutMs") ??
      nonNegativeInt(own.get("statement_timeout"), "statement_timeout") ??
      DEFAULTS.statementTimeoutMs,
    applicationName: query.get("application_name") ?? DEFAULTS.applicationName,
  };
}
