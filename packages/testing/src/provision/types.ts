export type DatabaseKind = "postgres" | "mysql";

export interface ServerControl {
  readonly port: number;
  readonly pid: number | undefined;
  /** Fast shutdown; keeps the data dir; resolves once the port is closed. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir; resolves once it accepts connections. */
  start(): Promise<void>;
  /** SIGKILL (simulated crash); resolves once the process has exited. */
  kill(): Promise<void>;
}

export interface TestDatabase {
  kind: DatabaseKind;
  /** A fresh, empty database created for this caller. */
  url: string;
  /** The server's default database (postgres / mysql) as superuser. */
  adminUrl: string;
  source: "env" | "local-binary" | "container";
  /** Present only when this process started the server. */
  server?: ServerControl;
  /** Drops the database; stops the server if it was started for this caller only. */
  dispose(): Promise<void>;
}

export type ProvisionResult = { ok: true; db: TestDatabase } | { ok: false; reason: string };

export interface ProvisionOptions {
  /** A dedicated server the caller may stop/start/kill; stopped by dispose(). */
  ownServer?: boolean;
  /** Keep the server's crash-safe defaults (fsync etc.), e.g. for benchmarks. */
  durable?: boolean;
  maxConnections?: number;
}

export type RequirableDatabase = DatabaseKind | "pgvector" | "sqlite" | "pgbouncer" | "mongodb";

/** Internal: settings for servers this process starts. */
export interface LocalServerOptions {
  durable: boolean;
  maxConnections: number;
}

/** Internal: a server this process started and must tear down. */
export interface OwnedServer extends ServerControl {
  destroy(): Promise<void>;
}
