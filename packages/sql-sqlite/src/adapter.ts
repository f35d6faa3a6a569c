import Database from "better-sqlite3";
import type {
  AdapterOptions,
  BulkCreateOperation,
  BulkUpsertOperation,
  DataFlowError,
  Model,
  ModelField,
  NodeContext,
  ProgressReporter,
} from "@dataflow/kernel/plugin";
import {
  ClosedError,
  ConnectionError,
  ConstraintViolationError,
  DatabaseError,
  ForeignKeyViolationError,
  NotNullViolationError,
  ValidationError,
  bulkRowGroups,
} from "@dataflow/kernel/plugin";
import type { CursorOptions, PreparedSlot, QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import { DatabaseAdapter, columnList, failure, foreignKeyViolation, uniqueViolation } from "@dataflow/sql-core";
import { sqliteDialect, sqliteEncoder, sqliteFunctions } from "./dialect.js";
import { openSqliteCursor } from "./cursor.js";
import { Mutex } from "./mutex.js";
import { sqliteFilename } from "./url.js";

type Statement = Database.Statement<unknown[]>;

export interface SqliteAdapterOptions extends AdapterOptions {
  /** Milliseconds to wait for another process's write lock (default 5000). */
  readonly busyTimeoutMs?: number;
}

/**
 * better-sqlite3 adapter. One connection per adapter (SQLite has one writer anyway); a transaction
 * holds it exclusively and other work queues behind it. Prepared statements are cached by SQL text.
 */
type Encoder = ((value: unknown) => unknown) | undefined;

/** One INSERT shape of a bulk write: its statement and, per bound column, the row key and encoder. */
interface Insert {
  readonly encoders: readonly Encoder[];
  readonly statement: Statement;
}

/** Rows between progress reports: the loop is synchronous, a report per row would cost more than the row. */
const PROGRESS_BLOCK = 1024;

/** Encodes a positional row into a reused bind array (better-sqlite3 binds an array's elements as positional parameters). */
function encodeInto(buffer: unknown[], insert: Insert, values: readonly unknown[]): unknown[] {
  const encoders = insert.encoders;
  buffer.length = encoders.length;
  for (let i = 0; i < encoders.length; i++) {
    const v = values[i];
    const encode = encoders[i];
    buffer[i] = v === null || v === undefined ? null : encode === undefined ? v : encode(v);
  }
  return buffer;
}

function encodeValue(encode: Encoder | undefined, v: unknown): unknown {
  return v === null || v === undefined ? null : encode === undefined ? v : encode(v);
}

/** Inserts rows[from, to) with one statement; returns how many were inserted (the rest met a conflict and were skipped). */
function insertBlock(insert: Insert, buffer: unknown[], rows: readonly (readonly unknown[])[], from: number, to: number): number {
  const statement = insert.statement;
  let inserted = 0;
  for (let i = from; i < to; i++) if (statement.run(encodeInto(buffer, insert, rows[i]!)).changes > 0) inserted++;
  return inserted;
}

export class SqliteAdapter extends DatabaseAdapter {
  readonly databaseType = "sqlite";
  readonly dialect = sqliteDialect;
  readonly capabilities = {
    transactions: true,
    savepoints: true,
    returning: true,
    upsert: true,
    json: true,
    vector: false,
    streaming: true,
  };
  readonly filename: string;
  private db: Database.Database | undefined;
  private closed = false;
  private readonly prepared = new Map<string, Statement>();
  private readonly lock = new Mutex();
  private readonly busyTimeoutMs: number;

  constructor(url: string, options: SqliteAdapterOptions = {}) {
    super(options);
    this.filename = sqliteFilename(url);
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  get inMemory(): boolean {
    return this.filename === ":memory:";
  }

  /** The raw better-sqlite3 handle (for tests and escape hatches). Opens the database if needed. */
  get handle(): Database.Database {
    return this.open();
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    if (this.closed) throw new ClosedError("This SQLite adapter is closed", { fix: "Create a new DataFlow instance; a closed one never reopens the file" });
    let db: Database.Database;
    try {
      db = new Database(this.filename);
    } catch (error) {
      throw new ConnectionError(`Opening the SQLite database failed`, { cause: error });
    }

    db.pragma(`busy_timeout = ${Math.trunc(this.busyTimeoutMs)}`);
    db.pragma("foreign_keys = ON");
    db.pragma("case_sensitive_like = ON");
    if (!this.inMemory) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
    }
    for (const { name, fn } of sqliteFunctions) db.function(name, { deterministic: true, varargs: false }, fn as (...args: unknown[]) => unknown);
    this.db = db;
    return db;
  }

  async connect(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.prepared.clear();
    this.db?.close();
    this.db = undefined;
  }

  private statement(text: string): Statement {
    let stmt = this.prepared.get(text);
    if (!stmt) {
      if (this.prepared.size >= 1000) this.prepared.delete(this.prepared.keys().next().value!);
      stmt = this.open().prepare(text);
      // 64-bit integers come back exactly (as BigInt) only where a bigint (INT) column is read.
      if (stmt.reader && stmt.columns().some((c) => c.type === "INT")) stmt.safeIntegers(true);
      this.prepared.set(text, stmt);
    }
    return stmt;
  }

  /**
   * Runs one statement synchronously on the connection. `slot`: the compiled statement's place for
   * its prepared form, used when it holds one of this connection (no lookup by text).
   */
  exec(text: string, params: readonly unknown[], slot?: PreparedSlot): QueryResult {
    this.statementsSent++;
    let stmt: Statement;
    const db = this.db;
    if (slot !== undefined && slot.owner === db && db !== undefined) stmt = slot.handle as Statement;
    else {
      stmt = this.statement(text);
      if (slot !== undefined) {
        slot.owner = this.db;
        slot.handle = stmt;
      }
    }
    if (stmt.reader) {
      const rows = stmt.all(params) as Record<string, unknown>[];
      return { rows, rowCount: rows.length };
    }
    const info = stmt.run(params);
    return { rows: [], rowCount: info.changes, insertId: info.lastInsertRowid };
  }

  protected runQuery(text: string, params: readonly unknown[]): Promise<QueryResult> {
    return this.observing ? this.observed(text, params.length, () => this.runLocked(text, params)) : this.runLocked(text, params);
  }

  private async runLocked(text: string, params: readonly unknown[]): Promise<QueryResult> {
    if (!this.lock.held) return this.exec(text, params);
    const release = await this.lock.acquire();
    try {
      return this.exec(text, params);
    } finally {
      release();
    }
  }

  /** Runs the statement now unless a transaction or stream holds the connection. */
  protected override runQueryNow(text: string, params: readonly unknown[], slot?: PreparedSlot): QueryResult | undefined {
    return this.lock.held ? undefined : this.exec(text, params, slot);
  }

  /** A statement on the held connection (a transaction's). */
  private runHeld(text: string, params: readonly unknown[]): Promise<QueryResult> {
    if (!this.observing) return Promise.resolve(this.exec(text, params));
    return this.observed(text, params.length, async () => this.exec(text, params));
  }

  async acquire(): Promise<SqlConnection> {
    this.open();
    const release = await this.lock.acquire();
    return {
      query: (text, params) => {
        try {
          return this.runHeld(text, params);
        } catch (error) {
          return Promise.reject(error);
        }
      },
      queryNow: (text, params, slot) => (this.observing ? undefined : this.exec(text, params, slot)),
      release: (broken) => {
        if (broken && this.db?.inTransaction) {
          try {
            this.db.exec("ROLLBACK");
          } catch {
            // Nothing more can be done for this connection; the next BEGIN will report it.
          }
        }
        release();
      },
    };
  }

  /** `db.stream()`: the stream holds the one connection (its transaction's), so it steps the statement directly. */
  override async openCursor(_executor: SqlExecutor, text: string, params: readonly unknown[], options: CursorOptions): Promise<RowCursor> {
    return openSqliteCursor(this.open(), text, params, options.batchSize);
  }

  /** Connections in use: the one connection, busy while a transaction or stream holds it. */
  override poolStatus(): { total: number; idle: number } {
    return { total: this.db ? 1 : 0, idle: this.db && !this.lock.held ? 1 : 0 };
  }

  /** The one connection; `waiting`: statements and transactions queued behind the one holding it. */
  protected override connectionFigures(): { total: number; idle: number; waiting: number } {
    return { ...this.poolStatus(), waiting: this.lock.waiting };
  }

  /** The bulk path's bind-value encoder of a field (a subclass with its own dialect overrides it with the same encoding). */
  protected encoderFor(field: ModelField): Encoder {
    return sqliteEncoder(field);
  }

  /** One cached single-row INSERT per row inside one transaction: SQLite's fastest correct bulk path. */
  override async bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation, progress?: ProgressReporter) {
    const totals = { inserted: 0, skipped: 0, updated: 0 };
    const groups = bulkRowGroups(op);
    if (groups.length === 0) return totals;
    const model = op.model;
    const d = this.dialect;
    const mode = op.kind === "BulkUpsert" ? "update" : op.onConflict;
    const target = op.conflictOn;
    const table = d.quote(model.table);
    const conflict = mode === "error" ? "" : ` ${d.conflictClause(target, [])}`;
    const update =
      mode === "update"
        ? `UPDATE ${table} SET ${op.updateFields.map((c) => `${d.quote(c)} = ?`).join(", ")} WHERE ${target!.map((c) => `${d.quote(c)} = ?`).join(" AND ")}`
        : "";
    await this.transaction(
      async () => {
        const updateStmt = update ? this.statement(update) : undefined;
        const buffer: unknown[] = [];
        let done = 0;
        for (const { fields, rows } of groups) {
          const insert: Insert = {
            encoders: fields.map((f) => this.encoderFor(f)),
            statement: this.statement(`INSERT INTO ${table} (${columnList(d, fields)}) VALUES (${fields.map(() => "?").join(", ")})${conflict}`),
          };
          // Positions of the update's SET and WHERE values in the group's rows.
          const updatePositions = [...op.updateFields, ...(target ?? [])].map((n) => fields.findIndex((f) => f.name === n));
          const updateEncoders = updatePositions.map((i) => insert.encoders[i]);
          // Progress is reported between blocks of 1024 rows, so the per-row loop carries no operating checks.
          for (let from = 0; from < rows.length; from += PROGRESS_BLOCK) {
            const to = Math.min(rows.length, from + PROGRESS_BLOCK);
            if (updateStmt === undefined) {
              const inserted = insertBlock(insert, buffer, rows, from, to);
              totals.inserted += inserted;
              totals.skipped += to - from - inserted;
            } else {
              for (let i = from; i < to; i++) {
                const values = rows[i]!;
                if (insert.statement.run(encodeInto(buffer, insert, values)).changes > 0) totals.inserted++;
                else {
                  updateStmt.run(updatePositions.map((p, k) => encodeValue(updateEncoders[k], values[p])));
                  totals.updated++;
                }
              }
            }
            done += to - from;
            if (progress !== undefined && to - from === PROGRESS_BLOCK) progress.report(done);
          }
          this.statementsSent += rows.length;
        }
      },
      {},
      ctx,
    );
    return totals;
  }

  mapError(error: unknown, model?: Model, operation?: string): DataFlowError {
    const e = error as { code?: string; message?: string };
    const code = e?.code ?? "";
    const message = e?.message ?? String(error);
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
      const m = /constraint failed: (.+)$/.exec(message);
      const fields = m?.[1]
        ?.split(",")
        .map((part) => part.trim().split(".").pop()!)
        .filter(Boolean);
      return uniqueViolation(model, fields, error);
    }
    if (code === "SQLITE_CONSTRAINT_NOTNULL") {
      const column = /NOT NULL constraint failed: \S+\.(\w+)/.exec(message)?.[1];
      return new NotNullViolationError(`A required value is missing${column ? ` for '${column}'` : ""}`, {
        cause: error,
        ...(column ? { field: column } : {}),
      });
    }
    // SQLite names no constraint: the field comes from the model's references (see foreignKeyViolation).
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return foreignKeyViolation(this.dialect, model, operation === undefined ? {} : { operation }, error);
    if (code.startsWith("SQLITE_CONSTRAINT")) return new ConstraintViolationError(`A constraint failed (${code})`, { cause: error });
    if (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_") || code === "SQLITE_LOCKED") {
      return failure("lock-timeout", "The SQLite database is locked by another writer (busy timeout exceeded)", error);
    }
    if (code === "SQLITE_TOOBIG") return new ValidationError("A value is larger than SQLite allows", { cause: error });
    if (code === "SQLITE_CANTOPEN" || code === "SQLITE_NOTADB" || message.includes("database connection is not open")) {
      return new ConnectionError("The SQLite database cannot be used", { cause: error });
    }
    return new DatabaseError(`SQLite error ${code || ""}: ${message}`.trim(), { cause: error });
  }
}
