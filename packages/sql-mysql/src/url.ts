import { ValidationError, didYouMean, quoteName } from "@dataflow/kernel/plugin";

/** Where and how to connect, as read from a `mysql://` / `mariadb://` URL. */
export interface MysqlUrl {
  /** `mysql` or `mariadb`: the flavor assumed until the server tells its version at connect. */
  readonly scheme: "mysql" | "mariadb";
  readonly host: string;
  readonly port: number;
  readonly socketPath: string | undefined;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
  /** Options from the query string; `undefined` when not given. */
  readonly connectionLimit: number | undefined;
  readonly connectTimeoutMs: number | undefined;
  readonly acquireTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly statementTimeoutMs: number | undefined;
  readonly preparedStatements: boolean | undefined;
  readonly ssl: "off" | "required" | "verify" | undefined;
}

const NUMBER_PARAMS = {
  connectionLimit: "connectionLimit",
  connectTimeout: "connectTimeoutMs",
  acquireTimeout: "acquireTimeoutMs",
  idleTimeout: "idleTimeoutMs",
  statementTimeout: "statementTimeoutMs",
} as const;
const KNOWN_PARAMS = [...Object.keys(NUMBER_PARAMS), "socket", "socketPath", "ssl", "preparedStatements"];
const FIX = "Use mysql://user:password@host:3306/database (or mariadb://...); options go in the query string, e.g. ?connectionLimit=20";

function decode(part: string, what: string, field: string): string {
  let text: string;
  try {
    text = decodeURIComponent(part);
  } catch {
    throw new ValidationError(`The ${what} in the database URL is not valid percent-encoding`, {
      field,
      fix: "Write '%' as %25, and use %XX only with two hex digits",
    });
  }
  if (text.includes("\u0000")) {
    throw new ValidationError(`The ${what} in the database URL contains a NUL character`, { field, fix: "Remove %00 from the URL" });
  }
  return text;
}

function positiveInt(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(`URL option '${name}' must be an integer >= ${min}`, { field: name, fix: FIX });
  }
  return n;
}

function booleanParam(name: string, raw: string): boolean {
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new ValidationError(`URL option '${name}' must be true or false`, { field: name });
}

function sslParam(raw: string): MysqlUrl["ssl"] {
  switch (raw) {
    case "false":
    case "off":
    case "disable":
      return "off";
    case "true":
    case "required":
    case "require":
      return "required";
    case "verify":
    case "verify-full":
    case "verify_identity":
      return "verify";
    default:
      throw new ValidationError("URL option 'ssl' must be one of off, required, verify", { field: "ssl" });
  }
}

/**
 * Parses `mysql://user:password@host:port/database?options` (also `mariadb://`).
 * A Unix socket: `mysql://user@localhost/database?socket=/run/mysqld/mysqld.sock`.
 * Errors never repeat the URL (it may hold a password).
 */
export function parseMysqlUrl(url: string): MysqlUrl {
  const m = /^(mysql|mariadb):\/\//i.exec(url);
  if (!m) throw new ValidationError("Not a mysql:// or mariadb:// URL", { field: "url", fix: FIX });
  const authority = url.slice(m[0].length).split(/[/?#]/, 1)[0]!;
  const port = /^(?:\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority.slice(authority.lastIndexOf("@") + 1))?.[1];
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)) {
    throw new ValidationError("The port in the database URL must be a number from 1 to 65535", { field: "url.port", fix: FIX });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError("The database URL cannot be parsed", { field: "url", fix: FIX });
  }
  const database = decode(parsed.pathname.replace(/^\//, ""), "database name", "url.database");
  if (database === "" || database.includes("/")) {
    throw new ValidationError("The database URL names no database", { field: "url.database", fix: FIX });
  }
  const options: Record<string, string> = {};
  for (const [key, value] of parsed.searchParams) {
    if (!KNOWN_PARAMS.includes(key)) {
      throw new ValidationError(`Unknown URL option ${quoteName(key)}. ${didYouMean(key, KNOWN_PARAMS)}`.trim(), {
        field: key,
        fix: `Known options: ${KNOWN_PARAMS.join(", ")}`,
      });
    }
    options[key] = value;
  }
  const numbers: Partial<Record<(typeof NUMBER_PARAMS)[keyof typeof NUMBER_PARAMS], number>> = {};
  for (const [param, key] of Object.entries(NUMBER_PARAMS)) {
    const raw = options[param];
    if (raw !== undefined) numbers[key] = positiveInt(param, raw, param === "connectionLimit" ? 1 : 0);
  }
  const socket = options.socketPath ?? options.socket;
  return {
    scheme: m[1]!.toLowerCase() as "mysql" | "mariadb",
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: parsed.port ? Number(parsed.port) : 3306,
    socketPath: socket === undefined ? undefined : decode(socket, "socket path", "url.socket"),
    user: parsed.username ? decode(parsed.username, "user name", "url.user") : "root",
    password: parsed.password ? decode(parsed.password, "password", "url.password") : undefined,
    database,
    connectionLimit: numbers.connectionLimit,
    connectTimeoutMs: numbers.connectTimeoutMs,
    acquireTimeoutMs: numbers.acquireTimeoutMs,
    idleTimeoutMs: numbers.idleTimeoutMs,
    statementTimeoutMs: numbers.statementTimeoutMs,
    preparedStatements: options.preparedStatements === undefined ? undefined : booleanParam("preparedStatements", options.preparedStatements),
    ssl: options.ssl === undefined ? undefined : sslParam(options.ssl),
  };
}
