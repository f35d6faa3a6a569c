import { randomBytes } from "node:crypto";
import { isDatabaseRequired } from "./env.js";
import { findFreePort } from "./ports.js";
import { errorText, maskUrl } from "./redact.js";

/** Environment variables naming a real MongoDB server, in order of preference. */
export const MONGODB_URL_ENVS: readonly string[] = Object.freeze(["DATAFLOW_TEST_MONGODB_URL", "MONGODB_URL"]);

export interface MongoTestDatabase {
  readonly kind: "mongodb";
  /** A URL whose path names a fresh database for this caller. */
  readonly url: string;
  readonly databaseName: string;
  /**
   * `env`: a real server named by DATAFLOW_TEST_MONGODB_URL / MONGODB_URL.
   * `emulator`: the in-process CongoServer of @push.rocks/smartmongo (not a real MongoDB).
   */
  readonly source: "env" | "emulator";
  /** Drops the database; stops the emulator when its last user is done. */
  dispose(): Promise<void>;
}

export type MongoProvisionResult = { ok: true; db: MongoTestDatabase } | { ok: false; reason: string };

interface MongoDriver {
  MongoClient: new (
    url: string,
    options?: Record<string, unknown>,
  ) => {
    connect(): Promise<unknown>;
    db(name: string): { dropDatabase(): Promise<unknown>; command(cmd: Record<string, unknown>): Promise<unknown> };
    close(force?: boolean): Promise<void>;
  };
}

interface Emulator {
  start(): Promise<void>;
  stop(): Promise<void>;
}

type EmulatorModule = { CongoServer: new (options: { port: number; host: string }) => Emulator };

// A subpath of @push.rocks/smartmongo: its main entry also loads mongodb-memory-server, which the
// workspace replaces with an empty package (it would download mongod binaries).
const EMULATOR_MODULE = "@push.rocks/smartmongo/dist_ts/congodb/index.js";

function envMongoUrl(): { name: string; url: string } | undefined {
  for (const name of MONGODB_URL_ENVS) {
    const url = process.env[name]?.trim();
    if (url) return { name, url };
  }
  return undefined;
}

async function loadMongoDriver(): Promise<MongoDriver | undefined> {
  try {
    return (await import("mongodb")) as unknown as MongoDriver;
  } catch {
    return undefined;
  }
}

let shared: { url: string; users: number; stop: () => Promise<void> } | undefined;
let starting: Promise<string> | undefined;

async function startEmulator(): Promise<string> {
  let mod: EmulatorModule;
  try {
    mod = (await import(EMULATOR_MODULE)) as EmulatorModule;
  } catch (error) {
    throw new Error(`the MongoDB emulator (@push.rocks/smartmongo 2.2.0) could not be loaded: ${errorText(error)}`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await findFreePort();
    const server = new mod.CongoServer({ port, host: "127.0.0.1" });
    try {
      await server.start();
    } catch (error) {
      lastError = error;
      if ((error as { code?: string }).code === "EADDRINUSE") continue;
      break;
    }
    const url = `mongodb://127.0.0.1:${port}`;
    shared = { url, users: 0, stop: () => server.stop() };
    return url;
  }
  throw new Error(`the MongoDB emulator did not start: ${errorText(lastError)}`);
}

async function emulatorUrl(): Promise<string> {
  if (shared) return shared.url;
  starting ??= startEmulator().finally(() => {
    starting = undefined;
  });
  return starting;
}

function withDatabase(serverUrl: string, databaseName: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${databaseName}`;
  return parsed.toString();
}

async function dropDatabase(driver: MongoDriver, url: string, databaseName: string): Promise<void> {
  const client = new driver.MongoClient(url, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    await client.db(databaseName).dropDatabase();
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * A fresh MongoDB database: on the real server named by DATAFLOW_TEST_MONGODB_URL (or MONGODB_URL),
 * else on an in-process CongoServer emulator shared by this process's callers. Not ok, with the
 * reason, when neither is available.
 */
export async function provisionMongoDatabase(): Promise<MongoProvisionResult> {
  const driver = await loadMongoDriver();
  if (!driver) return { ok: false, reason: "the mongodb driver is not installed (npm install mongodb)" };
  const databaseName = `dataflow_test_${randomBytes(6).toString("hex")}`;
  const fromEnv = envMongoUrl();
  if (fromEnv) {
    const url = withDatabase(fromEnv.url, databaseName);
    const client = new driver.MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.connect();
      await client.db(databaseName).command({ ping: 1 });
    } catch (error) {
      return { ok: false, reason: `${fromEnv.name}=${maskUrl(fromEnv.url)} is set but the server did not answer: ${errorText(error)}` };
    } finally {
      await client.close().catch(() => {});
    }
    return {
      ok: true,
      db: { kind: "mongodb", url, databaseName, source: "env", dispose: () => dropDatabase(driver, url, databaseName) },
    };
  }
  let serverUrl: string;
  try {
    serverUrl = await emulatorUrl();
  } catch (error) {
    return { ok: false, reason: errorText(error) };
  }
  const server = shared!;
  server.users += 1;
  const url = withDatabase(serverUrl, databaseName);
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    try {
      await dropDatabase(driver, url, databaseName);
    } finally {
      server.users -= 1;
      if (server.users === 0 && shared === server) {
        shared = undefined;
        await server.stop();
      }
    }
  };
  return { ok: true, db: { kind: "mongodb", url, databaseName, source: "emulator", dispose } };
}

/** For test files: like provisionMongoDatabase, but throws when MongoDB is required (CI=true, DATAFLOW_TEST_REQUIRE). */
export async function useMongoDatabase(): Promise<MongoProvisionResult> {
  const result = await provisionMongoDatabase();
  if (!result.ok && isDatabaseRequired("mongodb")) {
    throw new Error(`MongoDB test database is required (CI / DATAFLOW_TEST_REQUIRE) but unavailable: ${result.reason}`);
  }
  return result;
}
