import mysql2 from "mysql2";
import type { PoolOptions, SslOptions, Timezone } from "mysql2";
import type {
  AdapterOptions,
  BulkCreateOperation,
  BulkUpsertOperation,
  DataFlowError,
  Model,
  NodeContext,
  OperationResults,
  ProgressReporter,
  UpsertOperation,
} from "@dataflow/kernel/plugin";
import { AbortError, PluginError, SchemaError, channels, neverAborts } from "@dataflow/kernel/plugin";
import type { CursorOptions, QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import type { AbortWatcher } from "@dataflow/sql-core";
import { DatabaseAdapter, abortWatchers, redactLiterals } from "@dataflow/sql-core";
import { mysqlBulkWrite } from "./bulk.js";
import type { MysqlDialect } from "./dialect.js";
import { createMysqlDialect } from "./dialect.js";
import type { DriverError } from "./errors.js";
import { ER, isConnectionFailure, mapMysqlError } from "./errors.js";
import type { DriverConnection, StatementResult } from "./pool.js";
import { ConnectionPool, runStatement, sendStatement, sessionSetup, statementResult } from "./pool.js";
import type { ServerInfo } from "./server.js";
import { assumedServer, isNoPadCollation, parseServerVersion } from "./server.js";
import type { StatementRunner } from "./session.js";
import { MysqlSession } from "./session.js";
import { mysqlUpsert } from "./upsert.js";
import type { MysqlUrl } from "./url.js";
import { parseMysqlUrl } from "./url.js";

export interface MysqlAdapterOptions extends AdapterOptions {
  /** TLS: `true`/`"required"` encrypts, `"verify"` also verifies the certificate; or mysql2 `SslOptions`. */
  readonly ssl?: boolean | "required" | "verify" | SslOptions;
  /**
   * Server-side prepared statements (`execute`) instead of the text protocol with client-side
   * escaping (`query`). Default false: measured, the text protocol costs the client less CPU
   * (about half for 50-row reads) and has none of the prepared-statement limits. Left unset, the
   * bulk path still prepares its full-size multi-row INSERTs (the server's parse of their literals
   * was most of its time); `false` prepares nothing, for a proxy that cannot forward prepared statements.
   */
  readonly preparedStatements?: boolean;
}

const DEFAULTS = { max: 10, connectTimeoutMs: 10_000, acquireTimeoutMs: 30_000, idleTimeoutMs: 60_000 };
/** Prepared statements kept per connection; the server caps all sessions together (max_prepared_stmt_count, 16382). */
const PREPARED_PER_CONNECTION = 256;
const MAX_PREPARED_PARAMS = 65_535;

/** The server will not prepare the statement (too many prepared, not preparable, too many parameters): it can go as text. */
function refusedToPrepare(error: unknown): boolean {
  const errno = (error as DriverError).errno;
  return errno === ER.MAX_PREPARED_STMT_COUNT || errno === 1295 || errno === ER.PREPARED_TOO_MANY_PARAMS;
}
const DDL = /^\s*(CREATE|ALTER|DROP|RENAME|TRUNCATE)\s/i;
const CREATE_INDEX = /^\s*CREATE\s+(UNIQUE\s+)?INDEX\s/i;
const ADD_COLUMN = /^\s*ALTER\s+TABLE\s+\S+\s+ADD\s+COLUMN\s/i;

function sslOption(ssl: MysqlAdapterOptions["ssl"] | MysqlUrl["ssl"]): SslOptions | undefined {
  if (ssl === undefined || ssl === false || ssl === "off") return undefined;
  if (ssl === true || ssl === "required") return { rejectUnauthorized: false };
  if (ssl === "verify") return { rejectUnauthorized: true };
  return ssl;
}

function aborted(signal: AbortSignal, cause?: unknown): AbortError {
  return new AbortError("The statement was cancelled because the run was aborted", { cause: cause ?? signal.reason });
}

/**
 * mysql2 adapter for MySQL 8 and MariaDB 10.11. A pool of connections set up for DataFlow on
 * first use (strict sql_mode, UTC); transactions hold one connection; a cancelled node stops its
 * statement with KILL QUERY. The server flavor and version are read at connect and pick the dialect.
 */
/** A CREATE INDEX or ADD COLUMN another process did meanwhile counts as done (MySQL 8 has no IF NOT EXISTS for them). */
function alreadyDone(text: string, error: unknown): QueryResult {
  const errno = (error as DriverError).errno;
  if ((errno === ER.DUP_KEYNAME && CREATE_INDEX.test(text)) || (errno === ER.DUP_FIELDNAME && ADD_COLUMN.test(text))) {
    return { rows: [], rowCount: 0 };
  }
  throw error;
}

export class MysqlAdapter extends DatabaseAdapter {
  override readonly cancelsStatements = true;
  readonly databaseType = "mysql";
  readonly capabilities = {
    transactions: true,
    savepoints: true,
    returning: false,
    upsert: true,
    json: true,
    vector: false,
    streaming: true,
  };
  /** Where the adapter connects, as read from the URL; the password is not kept here. */
  readonly url: Omit<MysqlUrl, "password">;
  // #private: the pool holds the driver config with the password; util.inspect and JSON.stringify cannot reach it.
  readonly #pool: ConnectionPool;
  readonly #driver: PoolOptions;
  #schema: ConnectionPool | undefined;
  private readonly acquireTimeoutMs: number;
  private readonly prepared: boolean;
  /** Whether the bulk path prepares its full-size statements (`preparedStatements` not set to false). */
  readonly preparesBulk: boolean;
  private readonly statementTimeoutMs: number | undefined;
  private current: MysqlDialect;
  private connecting: Promise<void> | undefined;
  private connected = false;

  constructor(url: string, options: MysqlAdapterOptions = {}) {
    super(options);
    const { password, ...where } = parseMysqlUrl(url);
    this.url = where;
    const pool = options.pool ?? {};
    const max = pool.max ?? this.url.connectionLimit ?? DEFAULTS.max;
    this.statementTimeoutMs = pool.statementTimeoutMs ?? this.url.statementTimeoutMs;
    const prepared = options.preparedStatements ?? this.url.preparedStatements;
    this.prepared = prepared ?? false;
    this.preparesBulk = prepared !== false;
    this.current = createMysqlDialect(assumedServer(this.url.scheme));
    const ssl = sslOption(options.ssl ?? this.url.ssl);
    const driver: PoolOptions = {
      ...(this.url.socketPath ? { socketPath: this.url.socketPath } : { host: this.url.host, port: this.url.port }),
      user: this.url.user,
      ...(password !== undefined ? { password } : {}),
      database: this.url.database,
      charset: "UTF8MB4_GENERAL_CI",
      timezone: "Z",
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      decimalNumbers: false,
      multipleStatements: false,
      stringifyObjects: true,
      // mysql2's own formatting, minus a scan of statements that have no values (bulk INSERTs are sent whole).
      // (mysql2 calls it with the connection's time zone as a third argument; its typings omit it.)
      queryFormat: ((sql: string, values: unknown, timezone: Timezone) =>
        Array.isArray(values) && values.length > 0 ? mysql2.format(sql, values, true, timezone) : sql) as unknown as NonNullable<PoolOptions["queryFormat"]>,
      // Without FOUND_ROWS the server reports 0 for an unchanged row in ON DUPLICATE KEY UPDATE,
      // which is what tells an unchanged row from an inserted one (UPDATE counts come from `Rows matched`).
      flags: ["-FOUND_ROWS", "-LOCAL_FILES"],
      connectionLimit: max,
      maxIdle: Math.min(pool.min ?? max, max),
      idleTimeout: pool.idleTimeoutMs ?? this.url.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs,
      connectTimeout: this.url.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      waitForConnections: true,
      queueLimit: 0,
      enableKeepAlive: true,
      maxPreparedStatements: PREPARED_PER_CONNECTION,
      trace: false,
      ...(ssl ? { ssl } : {}),
    };
    this.#driver = driver;
    this.acquireTimeoutMs = pool.acquireTimeoutMs ?? this.url.acquireTimeoutMs ?? DEFAULTS.acquireTimeoutMs;
    this.#pool = new ConnectionPool({ driver, acquireTimeoutMs: this.acquireTimeoutMs });
    this.#pool.onExhausted = (max) => this.poolExhausted(max);
  }

  /** The dialect of the connected server (before `connect()`: the one the URL scheme suggests). */
  get dialect(): MysqlDialect {
    return this.current;
  }

  /** Flavor, version and max_allowed_packet of the server (assumed from the URL scheme until connected). */
  get server(): ServerInfo {
    return this.current.server;
  }

  /** Connections open, idle, and requests waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return this.#pool.stats();
  }

  connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw this.mapError(error);
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    const connection = await this.#pool.acquire();
    let info: ServerInfo;
    try {
      const { rows } = await runStatement(connection, "SELECT VERSION() AS version, @@max_allowed_packet AS packet", [], false);
      const versionText = String(rows[0]?.version ?? "");
      info = { ...parseServerVersion(versionText), versionText, maxAllowedPacket: Number(rows[0]?.packet ?? 4_194_304) };
    } finally {
      connection.release();
    }
    this.current = createMysqlDialect(info);
    this.#pool.configure(sessionSetup(this.current.features, this.statementTimeoutMs));
    this.connected = true;
  }

  /**
   * Refuses, before any DDL, tables of DataFlow's own models whose text columns use a PAD SPACE
   * collation (such as `utf8mb4_bin`, which DataFlow used before): there `'alice'` equals `'alice '`
   * in filters, keys and unique indexes. The error gives the one statement that converts the table.
   * Tables owned elsewhere (`existing` models) keep their collation: comparisons follow it (README).
   */
  override async ensureSchema(models: readonly Model[], options: { autoMigrate: boolean; existingSchemaMode: boolean }): Promise<void> {
    await this.connect();
    const collation = this.current.features.exactCollation;
    if (collation === undefined) {
      throw new SchemaError(`${this.current.server.versionText} has no binary NO PAD collation, so it cannot compare strings with trailing spaces exactly`, {
        fix: "Use MySQL 8.0.17 or later, or MariaDB 10.2 or later",
      });
    }
    // On the schema connection: the pool may be held entirely by transactions waiting for this model.
    await this.withSchemaConnection((exec) => this.refusePaddedTables(models, collation, exec));
    await super.ensureSchema(models, options);
  }

  private async refusePaddedTables(models: readonly Model[], collation: string, exec: SqlExecutor): Promise<void> {
    for (const model of models) {
      if (model.existing) continue;
      const text = new Set(model.fields.filter((f) => f.kind === "string" || f.kind === "text" || f.kind === "enum").map((f) => f.name));
      if (text.size === 0) continue;
      const { rows } = await exec.query(
        "SELECT column_name AS name, collation_name AS collation FROM information_schema.columns " +
          "WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND collation_name IS NOT NULL",
        [model.schema ?? null, model.table],
      );
      const padded = rows.filter((r) => text.has(String(r.name)) && !isNoPadCollation(String(r.collation)));
      if (padded.length > 0) {
        const table = model.schema === undefined ? `\`${model.table}\`` : `\`${model.schema}\`.\`${model.table}\``;
        throw new SchemaError(
          `Table '${model.table}' of model ${model.name} compares text ignoring trailing spaces: column(s) ` +
            `${padded.map((r) => `${model.table}.${String(r.name)} (${String(r.collation)})`).join(", ")} use a PAD SPACE collation`,
          {
            field: padded.map((r) => `${model.table}.${String(r.name)}`).join(","),
            fix:
              `Convert the table once: ALTER TABLE ${table} CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}; ` +
              "or, if the table is owned elsewhere and keeps its collation, declare the model { existing: true } (or use db.registerSchemaAsModels())",
          },
        );
      }
    }
  }

  async close(): Promise<void> {
    this.connected = false;
    const schema = this.#schema;
    this.#schema = undefined;
    await Promise.all([this.#pool.end(), schema?.end()]);
  }

  mapError(error: unknown, model?: Model): DataFlowError {
    return mapMysqlError(error, { model, dialect: this.current, flavor: this.current.server.flavor });
  }

  /** Sends one statement; falls back to the text protocol when the server will not prepare it. */
  /** Every statement of the adapter passes here: counted, and traced/timed when someone observes. */
  private send(connection: DriverConnection, text: string, params: readonly unknown[]): Promise<StatementResult> {
    this.statementsSent++;
    if (!this.observing) return this.sendOnce(connection, text, params);
    return this.observed(this.inlined.has(text) ? redactLiterals(text) : text, params.length, () => this.sendOnce(connection, text, params));
  }

  /** Statements in flight that carry values as literals: logs and traces see them redacted. */
  private readonly inlined = new Set<string>();

  /** `statement()` for text with inlined values (bulk paths): never logged or traced with those values. */
  async literalStatement(ctx: NodeContext | undefined, text: string): Promise<StatementResult> {
    this.inlined.add(text);
    try {
      return await this.statement(ctx, text, []);
    } finally {
      this.inlined.delete(text);
    }
  }

  /** Statements in flight that go prepared whatever `preparedStatements` says (bulk INSERTs), with how many callers sent each. */
  private readonly preparing = new Map<string, number>();

  /**
   * `statement()` sent as a server-side prepared statement (unless `preparedStatements: false`),
   * falling back to text when the server refuses to prepare it. For statements repeated with the
   * same text, such as the bulk path's full-size INSERTs: the server parses them once per connection.
   */
  async preparedStatement(ctx: NodeContext | undefined, text: string, params: readonly unknown[]): Promise<StatementResult> {
    if (this.prepared || !this.preparesBulk) return this.statement(ctx, text, params);
    this.preparing.set(text, (this.preparing.get(text) ?? 0) + 1);
    try {
      return await this.statement(ctx, text, params);
    } finally {
      const left = this.preparing.get(text)! - 1;
      if (left === 0) this.preparing.delete(text);
      else this.preparing.set(text, left);
    }
  }

  /** Whether a statement goes prepared: a prepared statement holds at most 65,535 parameters; a longer list ($in) goes as text. */
  private prepares(text: string, params: readonly unknown[]): boolean {
    if (params.length > MAX_PREPARED_PARAMS) return false;
    return this.prepared || (this.preparing.size > 0 && params.length > 0 && this.preparing.has(text));
  }

  private async sendOnce(connection: DriverConnection, text: string, params: readonly unknown[]): Promise<StatementResult> {
    const prepared = this.prepares(text, params);
    try {
      return await runStatement(connection, text, params, prepared);
    } catch (error) {
      if (prepared && params.length > 0 && refusedToPrepare(error)) return this.asText(connection, text, params, error);
      throw error;
    }
  }

  /** Sends a statement the server refused to prepare again, as text. */
  private asText(connection: DriverConnection, text: string, params: readonly unknown[], refusal: unknown): Promise<StatementResult> {
    const errno = (refusal as DriverError).errno;
    this.logger.warn({ system: this.dialect.name, errno, paramCount: params.length }, "retrying a statement as text: the server refused to prepare it");
    this.statementsSent++;
    return runStatement(connection, text, params, false);
  }

  /** Runs a statement on a held connection; when `signal` aborts meanwhile, KILL QUERY stops it and it fails with AbortError. */
  private readonly runner: StatementRunner = (connection, text, params, signal) => {
    if (!signal) return this.send(connection, text, params);
    if (signal.aborted) return Promise.reject(aborted(signal));
    return this.killable(connection, text, params, signal);
  };

  private async killable(connection: DriverConnection, text: string, params: readonly unknown[], signal: AbortSignal): Promise<StatementResult> {
    let kill: Promise<void> | undefined;
    const watcher: AbortWatcher = {
      onAbort: () => {
        kill = this.#pool.killQuery(connection.threadId).catch((error: unknown) => {
          this.logger.warn({ err: this.mapError(error) }, "KILL QUERY failed; the connection will be closed");
        });
      },
    };
    const watchers = abortWatchers(signal);
    watchers.add(watcher);
    let result: StatementResult;
    try {
      result = await this.send(connection, text, params);
    } catch (error) {
      if (kill) {
        await kill;
        throw aborted(signal, this.mapError(error));
      }
      throw error;
    } finally {
      watchers.delete(watcher);
    }
    // A cancelled SLEEP() returns 1 instead of failing; the statement was cancelled all the same.
    if (kill) {
      await kill;
      throw aborted(signal);
    }
    return result;
  }

  /** One statement on any free pool connection. A cancelled or failed connection is closed, not reused. */
  execute(text: string, params: readonly unknown[], signal?: AbortSignal): Promise<StatementResult> {
    if (!this.connected) return this.connect().then(() => this.execute(text, params, signal));
    if (!signal && !this.observing) return this.pooledStatement(text, params);
    return this.#pool.acquire().then((connection) =>
      this.runner(connection, text, params, signal).then(
        (result) => {
          connection.release();
          return result;
        },
        (error: unknown) => {
          if (error instanceof AbortError || isConnectionFailure(error)) connection.destroy();
          else connection.release();
          throw error;
        },
      ),
    );
  }

  /**
   * The common case of `execute` (no signal, nobody observing) in one promise: checkout, send,
   * release before the caller resumes (so its next statement can take the same connection). A
   * statement the server will not prepare takes the general path, which retries it as text.
   */
  private pooledStatement(text: string, params: readonly unknown[]): Promise<StatementResult> {
    return new Promise((resolve, reject) => {
      this.#pool.take((error, connection) => {
        if (error || !connection) {
          reject(error);
          return;
        }
        const prepared = this.prepares(text, params);
        this.statementsSent++;
        sendStatement(connection, text, params, prepared, (failure, result) => {
          if (failure === null) {
            connection.release();
            resolve(statementResult(result));
          } else if (prepared && params.length > 0 && refusedToPrepare(failure)) {
            this.asText(connection, text, params, failure).then(
              (retried) => {
                connection.release();
                resolve(retried);
              },
              (retryFailure: unknown) => {
                if (isConnectionFailure(retryFailure)) connection.destroy();
                else connection.release();
                reject(retryFailure);
              },
            );
          } else {
            if (isConnectionFailure(failure)) connection.destroy();
            else connection.release();
            reject(failure);
          }
        });
      });
    });
  }

  protected runQuery(text: string, params: readonly unknown[], signal?: AbortSignal): Promise<QueryResult> {
    return this.execute(text, params, signal);
  }

  async acquire(): Promise<SqlConnection> {
    if (!this.connected) await this.connect();
    return new MysqlSession(await this.#pool.acquire(), this.runner);
  }

  /** `db.stream()`: mysql2 result streaming with the socket paused between batches (cursor.ts). */
  override async openCursor(executor: SqlExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor> {
    if (!(executor instanceof MysqlSession)) {
      throw new PluginError("A MySQL stream needs a connection of this adapter's pool", { fix: "Stream through db.stream(), not a custom executor" });
    }
    return executor.cursor(text, params, this.prepared && params.length > 0 && params.length <= MAX_PREPARED_PARAMS, options);
  }

  override poolStatus(): { total: number; idle: number } {
    return this.#pool.status();
  }

  protected override connectionFigures(): { total: number; idle: number; waiting: number } {
    return { ...this.#pool.status(), waiting: this.#pool.waitingCount() };
  }

  /**
   * DDL commits the open transaction implicitly on MySQL, so schema statements always run on a
   * connection of their own, the schema connection. Indexes and columns another process created meanwhile are
   * accepted (MySQL 8 has no CREATE INDEX IF NOT EXISTS).
   */
  override query(text: string, params: readonly unknown[]): Promise<QueryResult> {
    if (!DDL.test(text)) return super.query(text, params);
    // On the schema connection (which accepts what another process already did): it never waits for
    // the pool, which a pinned or open transaction may hold entirely, and never commits that transaction.
    return this.withSchemaConnection((exec) => exec.query(text, params));
  }

  override get separateSchemaConnection(): boolean {
    return true;
  }

  /**
   * Schema work runs on a one-connection pool of its own, so it never waits for the main pool
   * (which transactions may hold entirely) and its DDL never commits a caller's transaction.
   */
  protected override async acquireSchemaConnection(): Promise<SqlConnection> {
    if (!this.connected) await this.connect();
    const session = new MysqlSession(await this.schemaPool().acquire(), this.runner);
    return {
      query: (text, params) => session.query(text, params).catch((error: unknown) => alreadyDone(text, error)),
      release: (broken) => session.release(broken),
    };
  }

  private schemaPool(): ConnectionPool {
    if (!this.#schema) {
      this.#schema = new ConnectionPool({
        driver: { ...this.#driver, connectionLimit: 1, maxIdle: 1, idleTimeout: 1000 },
        acquireTimeoutMs: this.acquireTimeoutMs,
      });
      this.#schema.configure(sessionSetup(this.current.features, this.statementTimeoutMs));
    }
    return this.#schema;
  }

  /** Runs a statement in a node's context (its transaction, cancellation) and returns the server's counts too. */
  async statement(ctx: NodeContext | undefined, text: string, params: readonly unknown[]): Promise<StatementResult> {
    const result = await this.executorFor(ctx).query(text, params);
    return "affectedRows" in result ? (result as StatementResult) : { ...result, affectedRows: result.rowCount, info: "" };
  }

  /** The bulk and upsert paths below name tables with `tableReference`, so they serve models placed in another database. */
  override qualifiesTables(): boolean {
    return true;
  }

  override bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation, progress?: ProgressReporter) {
    return mysqlBulkWrite(this, ctx, op, progress);
  }

  override upsert(ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
    return mysqlUpsert(this, ctx, op);
  }
}
