import type { AdapterOptions, BulkCreateOperation, BulkUpsertOperation, Model, NodeContext, ProgressReporter } from "@dataflow/kernel/plugin";
import { AbortError, DataFlowError, ValidationError, neverAborts } from "@dataflow/kernel/plugin";
import type { AbortWatchers, CursorOptions, QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import { DatabaseAdapter, abortWatchers } from "@dataflow/sql-core";
import { openPgCursor } from "./cursor.js";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import copyStreams from "pg-copy-streams";
import { postgresBulkWrite } from "./bulk.js";
import type { CancelBackend } from "./cancellation.js";
import { StatementWatch, abortedError, cancellable, onAbortOf } from "./cancellation.js";
import type { PostgresSettings } from "./config.js";
import { resolveSettings } from "./config.js";
import { postgresDialect } from "./dialect.js";
import { isConnectionFailure, mapPostgresError, redactedCause } from "./errors.js";
import type { CancelTarget, PoolerMode } from "./pooler.js";
import { sendCancelRequest } from "./pooler.js";
import { identitySyncParams, identitySyncStatement } from "./identity-sync.js";
import { RowShapes, ShapedQuery } from "./row-shapes.js";
import { StatementNames } from "./statement-names.js";
import { installTypeParsers } from "./type-parsers.js";

export interface PostgresAdapterOptions extends AdapterOptions {
  /** Extra `pg.Pool` settings (e.g. `ssl`), applied over what the URL and `pool` give. */
  readonly pg?: pg.PoolConfig;
  /** The PgBouncer pooling mode in front of the server (wins over the URL's `?pgbouncer=`); see the README. */
  readonly pgbouncer?: PoolerMode;
}

export interface PoolStats {
  /** Open connections. */
  readonly total: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

const BROKEN = new Error("connection discarded after a connection-level failure");

/** The backend process id pg learned at connect (BackendKeyData); typed in pg but not in @types/pg. */
function backendPid(client: pg.PoolClient): number | null {
  return (client as pg.PoolClient & { processID?: number | null }).processID ?? null;
}

/** pg's result already has the shape of a QueryResult, except for a null rowCount (statements that report none). */
function toResult(res: pg.QueryResult): QueryResult {
  return res.rowCount === null ? { rows: res.rows, rowCount: res.rows.length } : (res as unknown as QueryResult);
}

/** One pooled connection held exclusively (a transaction). */
export class PgConnection implements SqlConnection {
  private released = false;
  // #private: a pg client carries the password in its connection parameters, and inspection must not reach it.
  readonly #client: pg.PoolClient;

  constructor(
    private readonly adapter: PostgresAdapter,
    client: pg.PoolClient,
  ) {
    this.#client = client;
  }

  get client(): pg.PoolClient {
    return this.#client;
  }

  query(text: string, params: readonly unknown[]): Promise<QueryResult> {
    return this.adapter.runOn(this.client, text, params, undefined);
  }

  #signalled: { readonly signal: AbortSignal; readonly executor: SqlExecutor } | undefined;

  /** The same connection, with statements cancelled when `signal` aborts (a transaction serves one run: the last one is kept). */
  withSignal(signal: AbortSignal): SqlExecutor {
    if (this.#signalled?.signal === signal) return this.#signalled.executor;
    const executor: SqlExecutor = { query: (text, params) => this.adapter.runOn(this.client, text, params, signal) };
    this.#signalled = { signal, executor };
    return executor;
  }

  release(broken = false): void {
    if (this.released) return;
    this.released = true;
    this.client.release(broken ? BROKEN : undefined);
  }
}

/**
 * node-postgres adapter: one `pg.Pool` per adapter with its own type parsers, named prepared
 * statements for repeated SQL, COPY / UNNEST bulk paths, and statement cancellation when a
 * run's AbortSignal fires.
 */
export class PostgresAdapter extends DatabaseAdapter {
  override readonly cancelsStatements = true;
  readonly databaseType = "postgresql";
  readonly dialect = postgresDialect;
  readonly capabilities = {
    transactions: true,
    savepoints: true,
    returning: true,
    upsert: true,
    json: true,
    vector: false,
    streaming: true,
  };
  /** Pool and session settings; the connection string (it may hold a password) is not kept here. */
  readonly settings: Omit<PostgresSettings, "connectionString">;
  // #private: the pools and their config hold the password (URL and `pg` options); util.inspect and
  // JSON.stringify of the adapter (or of a DataFlow) cannot reach them.
  readonly #pool: pg.Pool;
  readonly #connectionConfig: pg.PoolConfig;
  readonly #poolConfig: pg.PoolConfig;
  #control: pg.Pool | undefined;
  private readonly names: StatementNames | undefined;
  private readonly shapes = new RowShapes();
  #schema: pg.Pool | undefined;
  private closed = false;
  private readonly plainExecutor: SqlExecutor = { query: (text, params) => this.runQuery(text, params) };
  private readonly signalledExecutors = new WeakMap<AbortSignal, SqlExecutor>();

  constructor(url: string, options: PostgresAdapterOptions = {}) {
    super(options);
    const { connectionString, ...settings } = resolveSettings(url, options.pool, { mode: options.pgbouncer, pgOptions: Object.keys(options.pg ?? {}) });
    this.settings = settings;
    this.names = settings.pooler.namedStatements ? new StatementNames() : undefined;
    const s = { connectionString, ...settings };
    this.#connectionConfig = { connectionString, ...options.pg };
    this.#poolConfig = {
      connectionString: s.connectionString,
      max: s.max,
      min: s.min,
      idleTimeoutMillis: s.idleTimeoutMs,
      connectionTimeoutMillis: s.acquireTimeoutMs,
      application_name: s.applicationName,
      ...(s.statementTimeoutMs > 0 ? { statement_timeout: s.statementTimeoutMs } : {}),
      ...(settings.pooler.startupSettings ? { options: "-c client_encoding=UTF8" } : {}),
      ...options.pg,
    };
    this.#pool = new pg.Pool(this.#poolConfig);
    // An idle connection can fail at any time (server restart); the pool drops it, and this keeps
    // the 'error' event from crashing the process. A checked-out client gets the same guard.
    this.#pool.on("error", (error) => this.logger.warn({ err: error.message }, "idle PostgreSQL connection lost"));
    this.#pool.on("connect", this.onNewClient);
  }

  /** Every new client of the pools that run statements: the type parsers (unless `pg.types` replaces them), and no crash on its 'error'. */
  private readonly onNewClient = (client: pg.PoolClient): void => {
    if (!this.#poolConfig.types) installTypeParsers(client);
    client.on("error", () => {});
  };

  /** Connections of the pool right now. */
  poolStats(): PoolStats {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  async connect(): Promise<void> {
    if (this.settings.pooler.startupSettings) {
      (await this.checkout(undefined)).release();
      return;
    }
    // Behind a pooler the client encoding is the server's default rather than set at connect.
    const { rows } = await this.runQuery("SHOW client_encoding", []);
    const encoding = String(rows[0]?.client_encoding ?? "");
    if (encoding.toUpperCase() !== "UTF8") {
      throw new ValidationError(`Behind PgBouncer the client encoding is the server's default, here ${encoding}; DataFlow needs UTF8`, {
        field: "pgbouncer",
        fix: "ALTER DATABASE <name> SET client_encoding = 'UTF8' (or client_encoding in postgresql.conf)",
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.#pool.end(), this.#control?.end(), this.#schema?.end()]);
  }

  /** Takes a client from the pool; an abort of `signal` while waiting rejects at once and returns the client later. */
  private async checkout(signal: AbortSignal | undefined): Promise<pg.PoolClient> {
    const pool = this.#pool;
    if (pool.idleCount === 0 && pool.totalCount >= this.settings.max) this.poolExhausted(this.settings.max);
    if (!signal) {
      try {
        return await this.#pool.connect();
      } catch (error) {
        throw this.mapError(error);
      }
    }
    if (signal.aborted) throw abortedError(signal);
    const pending = this.#pool.connect().catch((error: unknown) => {
      throw this.mapError(error);
    });
    return new Promise((resolve, reject) => {
      let abandoned = false;
      const unwatch = onAbortOf(signal, () => {
        abandoned = true;
        reject(abortedError(signal));
      });
      pending.then(
        (client) => {
          unwatch();
          if (abandoned) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          unwatch();
          if (!abandoned) reject(error);
        },
      );
    });
  }

  /**
   * The statement as a `pg.Query` built here: given a config object instead, pg copies it with
   * its property descriptors on every statement (`cloneQueryConfig`), a few µs of CPU each. Without
   * values it runs as a simple query; repeated texts run as named prepared statements, and rows of a
   * statement with values are built from its shape kept here (`ShapedQuery`).
   */
  private pgQuery(text: string, params: readonly unknown[], done: (error: Error | null, res: pg.QueryResult) => void): pg.Query {
    const callback = done as (error: Error | undefined, res: unknown) => void;
    if (params.length === 0) return new pg.Query(text, callback);
    return new ShapedQuery(text, params as unknown[], callback, this.shapes, this.names?.nameFor(text));
  }

  /** Runs one statement on a client the caller holds. */
  runOn(client: pg.PoolClient, text: string, params: readonly unknown[], signal: AbortSignal | undefined): Promise<QueryResult> {
    this.statementsSent++;
    if (!this.observing) return this.execute(client, text, params, signal);
    return this.observed(text, params.length, () => this.execute(client, text, params, signal));
  }

  private execute(client: pg.PoolClient, text: string, params: readonly unknown[], signal: AbortSignal | undefined): Promise<QueryResult> {
    if (!signal) return this.send(client, text, params);
    return cancellable(backendPid(client), signal, this.cancelFor(client), () => this.send(client, text, params));
  }

  /** The statement on `client`, through pg's callback (no promise of pg's own, no async frame). */
  private send(client: pg.PoolClient, text: string, params: readonly unknown[]): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      client.query(this.pgQuery(text, params, (error, res) => (error ? reject(error) : resolve(toResult(res)))));
    });
  }

  /**
   * Takes a client from the pool for `done`; a caller that has to wait is reported (`poolExhausted`).
   * pg-pool hands idle clients to its waiters in order, on the next tick: while there are more idle
   * clients than waiters this call is served without waiting, so pg-pool's acquire timer (a Timeout
   * set, unref'd and cleared per statement) is switched off for it. A call that may wait keeps it.
   */
  private connectClient(done: (error: Error | undefined, client: pg.PoolClient | undefined) => void): void {
    const pool = this.#pool;
    if (pool.idleCount > pool.waitingCount) {
      const options = (pool as unknown as { options: { connectionTimeoutMillis: number | undefined } }).options;
      const timeout = options.connectionTimeoutMillis;
      options.connectionTimeoutMillis = 0;
      try {
        pool.connect(done);
      } finally {
        options.connectionTimeoutMillis = timeout;
      }
      return;
    }
    if (pool.idleCount === 0 && pool.totalCount >= this.settings.max) this.poolExhausted(this.settings.max);
    pool.connect(done);
  }

  /**
   * One statement on a client of the pool, in one promise: checkout, send, and release before the
   * caller resumes (so its next statement can take the same client); a client is destroyed after a
   * connection failure. With a signal, an abort while waiting for a client fails at once, and an
   * abort while the statement runs cancels it on the server (the client goes back once no cancel
   * request is in flight).
   */
  private pooledStatement(
    text: string,
    params: readonly unknown[],
    signal: AbortSignal | undefined,
    watchers: AbortWatchers | undefined,
  ): Promise<QueryResult> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    return new Promise((resolve, reject) => {
      const watch = signal ? new StatementWatch(signal, reject, watchers) : undefined;
      this.connectClient((error, client) => {
        if (watch?.abandoned) {
          client?.release();
          return;
        }
        if (error || !client) {
          watch?.settle();
          reject(this.mapError(error));
          return;
        }
        watch?.running(backendPid(client), this.cancelFor(client));
        const settled = (failure: Error | null, res: pg.QueryResult | undefined) => {
          client.release(failure && isConnectionFailure(failure) ? BROKEN : undefined);
          if (failure) reject(failure);
          else resolve(toResult(res!));
        };
        try {
          client.query(
            this.pgQuery(text, params, (failure, res) => {
              const cancelling = watch?.settle();
              if (cancelling === undefined) settled(failure, res);
              else
                void cancelling.then(() =>
                  settled(failure && new AbortError("The statement was cancelled because the run was aborted", { cause: redactedCause(failure) }), res),
                );
            }),
          );
        } catch (thrown) {
          watch?.settle();
          settled(thrown as Error, undefined);
        }
      });
    });
  }

  /** Runs `work` with a client of the pool, returning it healthy or destroying it after a connection failure. */
  async withClient<T>(signal: AbortSignal | undefined, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.checkout(signal);
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = isConnectionFailure(error instanceof AbortError ? error.cause : error);
      throw error;
    } finally {
      client.release(broken ? BROKEN : undefined);
    }
  }

  /** `watchers`: `signal`'s, when the caller holds them already (the signalled pool executor). */
  protected runQuery(text: string, params: readonly unknown[], signal?: AbortSignal, watchers?: AbortWatchers): Promise<QueryResult> {
    // Traced or timed statements take the general path, so the span and the slow-statement clock leave out the pool wait.
    if (this.observing) return this.withClient(signal, (client) => this.runOn(client, text, params, signal));
    this.statementsSent++;
    return this.pooledStatement(text, params, signal, watchers);
  }

  /** The pool, with statements cancelled when `signal` aborts; without one, an executor that has no `queryNow` to try. */
  override poolExecutor(signal: AbortSignal | undefined): SqlExecutor {
    if (!signal) return this.plainExecutor;
    let executor = this.signalledExecutors.get(signal);
    if (executor === undefined) {
      // The signal's watchers, looked up once per signal rather than once per statement.
      const watchers = abortWatchers(signal);
      executor = { query: (text, params) => this.runQuery(text, params, signal, watchers) };
      this.signalledExecutors.set(signal, executor);
    }
    return executor;
  }

  async acquire(): Promise<SqlConnection> {
    return new PgConnection(this, await this.checkout(undefined));
  }

  /** `db.stream()`: a server-side cursor (DECLARE / FETCH) in the stream's transaction. */
  override openCursor(executor: SqlExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor> {
    return openPgCursor(executor, text, params, options);
  }

  override poolStatus(): { total: number; idle: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount };
  }

  protected override connectionFigures(): { total: number; idle: number; waiting: number } {
    return { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount };
  }

  override get separateSchemaConnection(): boolean {
    return true;
  }

  /**
   * Schema work runs on a one-connection pool of its own (closed when idle), so it never waits for
   * the main pool, which transactions may hold entirely. `withSchemaConnection` uses it one at a time.
   */
  protected override async acquireSchemaConnection(): Promise<SqlConnection> {
    if (!this.#schema) {
      this.#schema = new pg.Pool({
        ...this.#poolConfig,
        max: 1,
        min: 0,
        idleTimeoutMillis: 1000,
        application_name: `${this.settings.applicationName}-schema`,
        allowExitOnIdle: true,
      } as pg.PoolConfig);
      this.#schema.on("error", (error) => this.logger.warn({ err: error.message }, "idle PostgreSQL schema connection lost"));
      this.#schema.on("connect", this.onNewClient);
    }
    try {
      return new PgConnection(this, await this.#schema.connect());
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** A small separate pool that only sends `pg_cancel_backend`, so a full main pool cannot block a cancel. */
  private controlPool(): pg.Pool {
    if (!this.#control) {
      this.#control = new pg.Pool({
        ...this.#connectionConfig,
        max: 1,
        idleTimeoutMillis: 1000,
        connectionTimeoutMillis: 5000,
        application_name: "dataflow-cancel",
        allowExitOnIdle: true,
      });
      this.#control.on("error", () => {});
      this.#control.on("connect", (client) => client.on("error", () => {}));
    }
    return this.#control;
  }

  private readonly cancelBackend: CancelBackend = async (pid) => {
    if (this.closed) return;
    try {
      await this.controlPool().query("SELECT pg_cancel_backend($1)", [pid]);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, pid }, "cancelling a PostgreSQL statement failed");
    }
  };

  /** How to cancel what `client` runs: by pid, or behind a pooler by the protocol's cancel request with its backend key. */
  private cancelFor(client: pg.PoolClient): CancelBackend {
    if (this.settings.pooler.cancelByPid) return this.cancelBackend;
    return () => sendCancelRequest(client as pg.PoolClient & CancelTarget);
  }

  /** The connection of the transaction `ctx` runs in (run, ambient or pinned), if there is one. */
  transactionConnection(ctx: NodeContext | undefined): PgConnection | undefined {
    const executor = this.transactionFor(ctx)?.executor;
    return executor instanceof PgConnection ? executor : undefined;
  }

  /** `COPY ... FROM STDIN` of the text chunks on a held client; returns the rows copied. */
  copyIn(client: pg.PoolClient, text: string, chunks: Iterable<string>, signal: AbortSignal | undefined): Promise<number> {
    const run = async () => {
      const stream = client.query(copyStreams.from(text));
      await pipeline(Readable.from(chunks), stream);
      return stream.rowCount;
    };
    this.statementsSent++;
    const traced = () => (this.observing ? this.observed(text, 0, run) : run());
    return signal ? cancellable(backendPid(client), signal, this.cancelFor(client), traced) : traced();
  }

  override bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation, progress?: ProgressReporter) {
    return postgresBulkWrite(this, ctx, op, progress);
  }

  /**
   * An explicit id written into an identity column does not move PostgreSQL's sequence, so a later
   * generated id would collide with it. SQLite and MySQL continue after the largest id; this makes
   * PostgreSQL do the same. In a savepoint when a transaction is open (a failure must not break
   * it); a failure is logged, not raised: the write itself succeeded.
   */
  override async afterExplicitKeys(ctx: NodeContext, model: Model): Promise<void> {
    try {
      const sync = (exec: SqlExecutor) => exec.query(identitySyncStatement(model), identitySyncParams(model));
      const tx = this.transactionFor(ctx);
      if (tx) await this.withSavepoint(tx, sync);
      else await sync(this.executorFor(ctx));
    } catch (error) {
      ctx.logger.warn({ err: (error as Error).message, model: model.name }, "advancing the id sequence after explicit ids failed");
    }
  }

  mapError(error: unknown, model?: Model): DataFlowError {
    if (error instanceof DataFlowError) return error;
    return mapPostgresError(error, { dialect: this.dialect, model, statementTimeoutMs: this.settings.statementTimeoutMs });
  }
}
