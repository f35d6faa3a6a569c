import { existsSync } from "node:fs";
import type { PoolOptions } from "@dataflow/kernel/plugin";
import { ValidationError, didYouMean } from "@dataflow/kernel/plugin";
import type { PoolerFeatures } from "./pooler.js";
import { checkPoolerSettings, poolerFeatures, resolvePoolerMode } from "./pooler.js";

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
  /** The pooler in front of the server (`?pgbouncer=`), and what it turns off. */
  readonly pooler: PoolerFeatures;
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
const OWN_PARAMS = ["max", "min", "idle_timeout", "acquire_timeout", "connect_timeout", "statement_timeout", "pgbouncer"] as const;

function nonNegativeInt(raw: string | number | undefined, name: string, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === "number" ? raw : /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`The PostgreSQL setting '${name}' must be an integer >= ${min}`, { field: name });
  }
  return n;
}

const URL_FIX = "Use postgresql://user:password@host:5432/database?sslmode=require (percent-encode reserved characters in each part)";
const SSLMODES = ["disable", "prefer", "require", "verify-ca", "verify-full", "no-verify"];
const BOOLEAN = ["true", "false", "1", "0"];

type ParamCheck = "any" | "integer" | "file" | readonly string[];

/** Connection parameters `pg` reads from the URL's query string, and what each accepts. */
const PG_PARAMS: Record<string, ParamCheck> = {
  sslmode: SSLMODES,
  ssl: BOOLEAN,
  uselibpqcompat: BOOLEAN,
  sslcert: "file",
  sslkey: "file",
  sslrootcert: "file",
  host: "any",
  options: "any",
  application_name: "any",
  fallback_application_name: "any",
  client_encoding: "any",
  replication: "any",
  keepalives: ["0", "1"],
  keepalives_idle: "integer",
  lock_timeout: "integer",
  idle_in_transaction_session_timeout: "integer",
  query_timeout: "integer",
};

function urlError(part: string, message: string, fix = URL_FIX): ValidationError {
  return new ValidationError(`The PostgreSQL URL's ${message}`, { field: `url.${part}`, fix });
}

function decodePart(text: string, part: string): void {
  try {
    decodeURIComponent(text);
  } catch {
    throw urlError(part, `${part} is not valid percent-encoding`, "Write '%' as %25, and use %XX only with two hex digits");
  }
}

/**
 * Checks, at construction, what `pg` would only report at first use (as an unexplained error):
 * the port, the percent-encoding of user, password and database, and each query parameter's
 * name and value. Messages name the URL part, never its value (it may be a password).
 */
function checkUrl(base: string, query: URLSearchParams): void {
  const rest = base.replace(/^postgres(?:ql)?:\/\//i, "");
  const authority = rest.split(/[/?#]/, 1)[0]!;
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? "" : authority.slice(0, at);
  const hostport = at === -1 ? authority : authority.slice(at + 1);
  if (userinfo) {
    const colon = userinfo.indexOf(":");
    decodePart(colon === -1 ? userinfo : userinfo.slice(0, colon), "user");
    if (colon !== -1) decodePart(userinfo.slice(colon + 1), "password");
  }
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostport)?.[1];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
    throw urlError("port", "port must be a number from 1 to 65535", "Write the port as digits after the host: postgresql://user@host:5432/database");
  }
  decodePart(rest.slice(authority.length).replace(/^\//, ""), "database");
  for (const [name, value] of query) {
    const check = PG_PARAMS[name];
    if (check === undefined) {
      throw urlError(
        name,
        `query parameter '${name}' is not one pg or DataFlow reads. ${didYouMean(name, [...OWN_PARAMS, ...Object.keys(PG_PARAMS)])}`.trim(),
        `Known parameters: ${[...OWN_PARAMS, ...Object.keys(PG_PARAMS)].join(", ")}`,
      );
    }
    if (Array.isArray(check) && !check.includes(value)) {
      throw urlError(name, `parameter '${name}' must be one of ${check.join(", ")}`);
    }
    if (check === "integer" && !/^\d+$/.test(value)) throw urlError(name, `parameter '${name}' must be a non-negative integer`);
    if (check === "file" && !existsSync(value)) {
      throw urlError(
        name,
        `parameter '${name}' names a file that does not exist`,
        "Give the path of a readable PEM file, or pass ssl options in adapter: { pg: { ssl } }",
      );
    }
  }
}

/**
 * `postgres[ql]://user:pass@host:port/db?max=20&statement_timeout=5000&sslmode=require`.
 * DataFlow reads `max`, `min`, `idle_timeout` (ms), `acquire_timeout` (ms), `connect_timeout`
 * (seconds, as in libpq), `statement_timeout` (ms) and `pgbouncer` (see pooler.ts); `options.pool`
 * and `pooler.mode` win over the URL. `pooler.pgOptions` names the `pg` options the user set.
 */
export function resolveSettings(
  url: string,
  pool: PoolOptions = {},
  pooler: { mode?: string | undefined; pgOptions?: Iterable<string> } = {},
): PostgresSettings {
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
  checkUrl(base, query);
  const rest = query.toString();
  const connectTimeoutSeconds = nonNegativeInt(own.get("connect_timeout"), "connect_timeout");
  const max = nonNegativeInt(pool.max, "pool.max", 1) ?? nonNegativeInt(own.get("max"), "max", 1) ?? DEFAULTS.max;
  const min = nonNegativeInt(pool.min, "pool.min") ?? nonNegativeInt(own.get("min"), "min") ?? DEFAULTS.min;
  if (min > max) throw new ValidationError(`The pool minimum (${min}) is larger than its maximum (${max})`, { field: "pool.min" });
  const statementTimeoutMs =
    nonNegativeInt(pool.statementTimeoutMs, "pool.statementTimeoutMs") ??
    nonNegativeInt(own.get("statement_timeout"), "statement_timeout") ??
    DEFAULTS.statementTimeoutMs;
  const features = poolerFeatures(resolvePoolerMode(own.get("pgbouncer"), pooler.mode));
  checkPoolerSettings(features, [
    ...(pool.statementTimeoutMs ? [{ name: "statement_timeout", field: "pool.statementTimeoutMs" }] : []),
    ...(own.has("statement_timeout") && statementTimeoutMs > 0 ? [{ name: "statement_timeout", field: "url.statement_timeout" }] : []),
    ...[...query.keys()].map((name) => ({ name, field: `url.${name}` })),
    ...[...(pooler.pgOptions ?? [])].map((name) => ({ name, field: `pg.${name}` })),
  ]);
  return {
    connectionString: rest ? `${base}?${rest}` : base,
    max,
    min,
    idleTimeoutMs:
      nonNegativeInt(pool.idleTimeoutMs, "pool.idleTimeoutMs") ?? nonNegativeInt(own.get("idle_timeout"), "idle_timeout") ?? DEFAULTS.idleTimeoutMs,
    acquireTimeoutMs:
      nonNegativeInt(pool.acquireTimeoutMs, "pool.acquireTimeoutMs") ??
      nonNegativeInt(own.get("acquire_timeout"), "acquire_timeout") ??
      (connectTimeoutSeconds === undefined ? DEFAULTS.acquireTimeoutMs : connectTimeoutSeconds * 1000),
    statementTimeoutMs,
    applicationName: query.get("application_name") ?? DEFAULTS.applicationName,
    pooler: features,
  };
}
