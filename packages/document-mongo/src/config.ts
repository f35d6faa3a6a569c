import type { AdapterOptions } from "@dataflow/kernel/plugin";
import { ValidationError } from "@dataflow/kernel/plugin";
import type { MongoClientOptions } from "mongodb";
import { checkDatabaseName } from "./names.js";

/** What the adapter needs besides the URL itself: the driver's options and DataFlow's own settings. */
export interface MongoSettings {
  readonly url: string;
  readonly databaseName: string;
  readonly clientOptions: MongoClientOptions;
  /** `maxTimeMS` of every read (find, count, aggregate); 0 = none. */
  readonly statementTimeoutMs: number;
}

/** Adapter options a MongoDB DataFlow accepts besides `pool` and `logger`. */
export interface MongoAdapterOptions extends AdapterOptions {
  /** The database to use; default: the URL's path, else "test" (the driver's default). */
  readonly database?: string;
  readonly connectTimeoutMs?: number;
  readonly serverSelectionTimeoutMs?: number;
  /** Extra options handed to `new MongoClient(url, options)`; DataFlow's own settings win. */
  readonly driver?: MongoClientOptions;
}

const URL_FIX = "Use mongodb://user:password@host:27017/database or mongodb+srv://user:password@cluster.example.net/database";
export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 10_000;

function int(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(`The MongoDB setting '${name}' must be an integer >= ${min}`, { field: name });
  }
  return value;
}

/** The URL's query parameter names, lower-cased (the driver treats them case-insensitively). */
function urlParams(url: string): Set<string> {
  const query = url.split("?")[1]?.split("#")[0] ?? "";
  return new Set(
    query
      .split("&")
      .filter(Boolean)
      .map((p) => decodeURIComponent(p.split("=")[0]!).toLowerCase()),
  );
}

function urlDatabase(url: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/i.exec(url);
  const raw = m?.[1];
  if (!raw) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError("The MongoDB URL's database name is not valid percent-encoding", { field: "url.database", fix: URL_FIX });
  }
}

/**
 * Pool and timeouts: `pool.max/min/idleTimeoutMs/acquireTimeoutMs` map to the driver's
 * maxPoolSize/minPoolSize/maxIdleTimeMS/waitQueueTimeoutMS; the URL's own parameters
 * (`?maxPoolSize=20`) apply when the options do not set them.
 */
export function resolveSettings(url: string, options: MongoAdapterOptions = {}): MongoSettings {
  if (!/^mongodb(\+srv)?:\/\/[^/?#]+/i.test(url)) {
    throw new ValidationError("The MongoDB URL needs a host", { field: "url", fix: URL_FIX });
  }
  const pool = options.pool ?? {};
  const clientOptions: MongoClientOptions = { ...(options.driver ?? {}), appName: options.driver?.appName ?? "dataflow" };
  const set = <K extends keyof MongoClientOptions>(key: K, value: MongoClientOptions[K] | undefined) => {
    if (value !== undefined) clientOptions[key] = value;
  };
  const max = int(pool.max, "pool.max", 1);
  const min = int(pool.min, "pool.min", 0);
  if (max !== undefined && min !== undefined && min > max) {
    throw new ValidationError("pool.min must not exceed pool.max", { field: "pool.min" });
  }
  set("maxPoolSize", max);
  set("minPoolSize", min);
  set("maxIdleTimeMS", int(pool.idleTimeoutMs, "pool.idleTimeoutMs", 0));
  set("waitQueueTimeoutMS", int(pool.acquireTimeoutMs, "pool.acquireTimeoutMs", 0));
  set("connectTimeoutMS", int(options.connectTimeoutMs, "connectTimeoutMs", 0));
  const selection = int(options.serverSelectionTimeoutMs, "serverSelectionTimeoutMs", 1);
  if (selection !== undefined) clientOptions.serverSelectionTimeoutMS = selection;
  else if (!urlParams(url).has("serverselectiontimeoutms") && clientOptions.serverSelectionTimeoutMS === undefined) {
    clientOptions.serverSelectionTimeoutMS = DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  }
  const databaseName = options.database ?? urlDatabase(url) ?? "test";
  checkDatabaseName(databaseName, options.database === undefined ? "url.database" : "database");
  return {
    url,
    databaseName,
    clientOptions,
    statementTimeoutMs: int(pool.statementTimeoutMs, "pool.statementTimeoutMs", 0) ?? 0,
  };
}
