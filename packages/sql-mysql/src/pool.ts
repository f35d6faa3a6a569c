import mysql from "mysql2";
import type { PoolOptions } from "mysql2";
import { failure } from "@dataflow/sql-core";
import type { ServerFeatures } from "./server.js";

/** The slice of a mysql2 (callback API) connection the adapter uses. */
export interface DriverConnection {
  readonly threadId: number;
  query(sql: string, values: readonly unknown[] | undefined, cb: (error: Error | null, result: unknown) => void): unknown;
  execute(sql: string, values: readonly unknown[], cb: (error: Error | null, result: unknown) => void): unknown;
  release(): void;
  destroy(): void;
  on(event: "error", listener: (error: Error) => void): unknown;
}

/** What one statement returned, in the adapter's terms. */
export interface StatementResult {
  readonly rows: Record<string, unknown>[];
  /** Rows returned (SELECT), matched (UPDATE, from the server's `Rows matched`) or affected (INSERT/DELETE). */
  readonly rowCount: number;
  /** The server's affected-rows count as sent (ON DUPLICATE KEY UPDATE: 1 inserted, 2 updated, 0 unchanged). */
  readonly affectedRows: number;
  readonly insertId?: number | bigint | undefined;
  /** The server's info string, e.g. `Records: 3  Duplicates: 1  Warnings: 0`. */
  readonly info: string;
}

/**
 * Strict on every connection: over-long strings and out-of-range numbers are errors, never truncation;
 * no zero dates; an explicit 0 in an AUTO_INCREMENT key is stored as 0 (as on the other databases).
 * NO_BACKSLASH_ESCAPES stays off: the driver's client-side escaping relies on backslash escapes.
 */
export const SESSION_SQL_MODE = [
  "STRICT_ALL_TABLES",
  "STRICT_TRANS_TABLES",
  "NO_ZERO_IN_DATE",
  "NO_ZERO_DATE",
  "ERROR_FOR_DIVISION_BY_ZERO",
  "NO_ENGINE_SUBSTITUTION",
  "NO_AUTO_VALUE_ON_ZERO",
  "ONLY_FULL_GROUP_BY",
].join(",");

/** The statement every new connection runs before its first use. */
export function sessionSetup(features: ServerFeatures, statementTimeoutMs: number | undefined): string {
  const settings = [`sql_mode = '${SESSION_SQL_MODE}'`, "time_zone = '+00:00'"];
  if (statementTimeoutMs !== undefined && statementTimeoutMs > 0) {
    settings.push(
      features.statementTimeout === "max_statement_time"
        ? `max_statement_time = ${(statementTimeoutMs / 1000).toFixed(3)}`
        : `max_execution_time = ${Math.ceil(statementTimeoutMs)}`,
    );
  }
  return `SET SESSION ${settings.join(", ")}`;
}

function toInsertId(value: unknown): number | bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" || typeof value === "bigint") return value;
  const big = BigInt(String(value));
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const ROWS_MATCHED = /Rows matched:\s*(\d+)/;

function toResult(raw: unknown): StatementResult {
  if (Array.isArray(raw)) return { rows: raw as Record<string, unknown>[], rowCount: raw.length, affectedRows: 0, info: "" };
  const header = raw as { affectedRows?: number; insertId?: unknown; info?: string };
  const info = header.info ?? "";
  const affectedRows = header.affectedRows ?? 0;
  const matched = info ? ROWS_MATCHED.exec(info) : null;
  return {
    rows: [],
    rowCount: matched ? Number(matched[1]) : affectedRows,
    affectedRows,
    insertId: toInsertId(header.insertId),
    info,
  };
}

/** Sends one statement, the driver's result to `done`: server-side prepared (`execute`) or text protocol with client-side escaping (`query`). */
export function sendStatement(
  connection: DriverConnection,
  sql: string,
  values: readonly unknown[],
  prepared: boolean,
  done: (error: Error | null, result: unknown) => void,
): void {
  // Positional arguments: mysql2's options-object form measured about 15-20 µs more CPU per statement.
  // Without values mysql2 skips its client-side scan of the text (a bulk INSERT is up to 1 MiB).
  if (values.length === 0) connection.query(sql, undefined, done);
  else if (prepared) connection.execute(sql, values, done);
  else connection.query(sql, values, done);
}

/** The driver's result of one statement in the adapter's terms. */
export { toResult as statementResult };

/** Runs one statement: server-side prepared (`execute`) or text protocol with client-side escaping (`query`). */
export function runStatement(connection: DriverConnection, sql: string, values: readonly unknown[], prepared: boolean): Promise<StatementResult> {
  return new Promise((resolve, reject) => {
    sendStatement(connection, sql, values, prepared, (error, result) => (error ? reject(error) : resolve(toResult(result))));
  });
}

export interface PoolSettings {
  readonly driver: PoolOptions;
  readonly acquireTimeoutMs: number;
}

/**
 * A mysql2 pool that hands out connections already set up for DataFlow (sql_mode, UTC, timeout),
 * with an acquire timeout, plus a side connection for `KILL QUERY`.
 */
export class ConnectionPool {
  // #private: the driver config, the mysql2 pool and its connections carry the password.
  readonly #pool: mysql.Pool;
  readonly #settings: PoolSettings;
  #killer: Promise<DriverConnection & { end(): void }> | undefined;
  private readonly ready = new WeakSet<object>();
  private readonly guarded = new WeakSet<object>();
  private setup = "";
  /** Told when a caller has to wait because every connection is in use. */
  onExhausted: ((max: number) => void) | undefined;

  constructor(settings: PoolSettings) {
    this.#settings = settings;
    this.#pool = mysql.createPool(settings.driver);
  }

  /** The session statement run on each new connection (set once the server flavor is known). */
  configure(setup: string): void {
    this.setup = setup;
  }

  /** A connection for exclusive use: set up, or a TimeoutError when none frees up within the acquire timeout. */
  acquire(): Promise<DriverConnection> {
    return new Promise<DriverConnection>((resolve, reject) => this.take((error, connection) => (error ? reject(error) : resolve(connection!))));
  }

  /** `acquire` with a callback: `done` gets the set-up connection, or the error. */
  take(done: (error: unknown, connection: DriverConnection | undefined) => void): void {
    const resolve = (connection: DriverConnection) => done(undefined, connection);
    const reject = (error: unknown) => done(error, undefined);
    {
      let settled = false;
      // An idle connection is handed over on the next tick: only a wait for one needs a timer.
      const timeoutMs = this.#settings.acquireTimeoutMs;
      const idle = this.idleCount() > 0;
      if (!idle && this.onExhausted !== undefined) {
        const max = this.#settings.driver.connectionLimit ?? 10;
        if (this.status().total >= max) this.onExhausted(max);
      }
      const timer = idle
        ? undefined
        : setTimeout(() => {
            settled = true;
            reject(
              failure(
                "acquire-timeout",
                `No database connection became free within ${timeoutMs} ms (pool max ${this.#settings.driver.connectionLimit})`,
                undefined,
              ),
            );
          }, timeoutMs);
      this.#pool.getConnection((error, pooled) => {
        if (settled) {
          pooled?.release();
          return;
        }
        settled = true;
        if (timer) clearTimeout(timer);
        const connection = pooled as unknown as DriverConnection;
        if (error) reject(error);
        else if (this.ready.has(connection)) resolve(connection);
        else this.prepare(connection).then(resolve, reject);
      });
    }
  }

  /** Connections the pool holds (`total`) and those not handed out (`idle`), from mysql2's internals. */
  status(): { total: number; idle: number } {
    const all = (this.#pool as unknown as { _allConnections?: { length: number } })._allConnections?.length ?? 0;
    return { total: all, idle: this.idleCount() };
  }

  /** Callers waiting for a connection (mysql2's queue). */
  waitingCount(): number {
    return (this.#pool as unknown as { _connectionQueue?: { length: number } })._connectionQueue?.length ?? 0;
  }

  private idleCount(): number {
    return (this.#pool as unknown as { _freeConnections?: { length: number } })._freeConnections?.length ?? 0;
  }

  private async prepare(connection: DriverConnection): Promise<DriverConnection> {
    if (!this.guarded.has(connection)) {
      // A pooled connection stops listening for errors after its first one; a second must not crash the process.
      connection.on("error", () => {});
      this.guarded.add(connection);
    }
    // Before configure() (reading the server version at connect) there is nothing to set up yet.
    if (!this.setup) return connection;
    try {
      await runStatement(connection, this.setup, [], false);
    } catch (error) {
      connection.destroy();
      throw error;
    }
    this.ready.add(connection);
    return connection;
  }

  /** Stops the statement a connection is running, from a separate connection. */
  async killQuery(threadId: number): Promise<void> {
    this.#killer ??= new Promise((resolve, reject) => {
      const { connectionLimit: _l, maxIdle: _m, idleTimeout: _i, queueLimit: _q, waitForConnections: _w, ...config } = this.#settings.driver;
      const connection = mysql.createConnection(config);
      connection.on("error", () => {
        this.#killer = undefined;
      });
      connection.connect((error) => (error ? reject(error) : resolve(connection as unknown as DriverConnection & { end(): void })));
    });
    try {
      const connection = await this.#killer;
      await runStatement(connection, `KILL QUERY ${Math.trunc(threadId)}`, [], false);
    } catch (error) {
      this.#killer = undefined;
      throw error;
    }
  }

  /** Connections open, idle, and requests waiting for one. */
  stats(): { total: number; idle: number; waiting: number } {
    const internals = this.#pool as unknown as { _allConnections?: { length: number }; _connectionQueue?: { length: number } };
    return {
      total: internals._allConnections?.length ?? 0,
      idle: this.idleCount(),
      waiting: internals._connectionQueue?.length ?? 0,
    };
  }

  async end(): Promise<void> {
    const killer = this.#killer;
    this.#killer = undefined;
    if (killer)
      await killer.then(
        (c) => c.end(),
        () => undefined,
      );
    await new Promise<void>((resolve) => this.#pool.end(() => resolve()));
  }
}
