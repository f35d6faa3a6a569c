import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import type { AdapterOptions, BulkCreateOperation, BulkUpsertOperation, DataFlowError, Model, NodeContext } from "@dataflow/kernel/plugin";
import { ClosedError, ConnectionError } from "@dataflow/kernel/plugin";
import type { CursorOptions, QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import { DatabaseAdapter, columnList, encodeRow, insertColumns, multiRowBulkWrite } from "@dataflow/sql-core";
import { sqliteDialect, sqliteFunctions } from "@dataflow/sql-sqlite/dialect";
import type { Database, SqlJsStatic, SqlValue, Statement } from "sql.js";
import initSqlJs from "sql.js";
import { mapSqlJsError } from "./errors.js";
import type { Lock } from "./lock.js";
import { lockOf } from "./lock.js";
import { sqljsFilename } from "./url.js";

/** sql.js compiles its WebAssembly once per thread. */
let engine: Promise<SqlJsStatic> | undefined;

const MAX_STATEMENTS = 500;

/** `getAsObject(params, config)`: sql.js reads integers as BigInt with `useBigInt` (@types/sql.js 1.4 lacks the argument). */
type ReadRow = (this: Statement, params: null, config: { useBigInt: boolean }) => Record<string, unknown>;

/**
 * DataFlow on sql.js: SQLite compiled to WebAssembly, in memory. A file database is read when the
 * adapter connects and written back (atomically, by rename) after every committed write; before a
 * statement outside a transaction the adapter reloads the file if another adapter, thread or
 * process wrote it since. Adapters of one process on one file take turns through one lock.
 */
export class SqlJsAdapter extends DatabaseAdapter {
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
  private sql: SqlJsStatic | undefined;
  private db: Database | undefined;
  private closed = false;
  private inTransaction = false;
  /** The file's identity when this adapter last read or wrote it. */
  private stamp = "";
  private readonly statements = new Map<string, Statement>();
  private readonly lock: Lock;

  constructor(url: string, options: AdapterOptions = {}) {
    super(options);
    this.filename = sqljsFilename(url);
    this.lock = lockOf(this.filename);
  }

  get inMemory(): boolean {
    return this.filename === ":memory:";
  }

  async connect(): Promise<void> {
    this.sql ??= await (engine ??= initSqlJs());
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.forget();
  }

  private open(): Database {
    if (this.closed)
      throw new ClosedError("This sql.js adapter is closed", {
        fix: "Create a new DataFlow instance; a closed one never reopens the file",
      });
    if (this.db && (this.inTransaction || this.inMemory || this.stamp === this.fileStamp())) return this.db;
    if (!this.sql)
      throw new ConnectionError("The sql.js adapter is not connected", {
        fix: "Call db.initialize() (DataFlow connects before the first run)",
      });
    this.forget();
    const stamp = this.fileStamp(); // before reading: a file replaced meanwhile is read again next time
    let db: Database;
    try {
      db = new this.sql.Database(stamp === "missing" || this.inMemory ? undefined : readFileSync(this.filename));
      db.run("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON");
      for (const { name, fn } of sqliteFunctions) db.create_function(name, fn as (...args: unknown[]) => SqlValue);
    } catch (error) {
      throw new ConnectionError(`Opening the sql.js database ${this.filename} failed`, {
        cause: error,
        fix: "Check that the file is a SQLite database",
      });
    }
    this.db = db;
    this.stamp = stamp;
    if (stamp === "missing") this.persist(); // creates the file now, so a bad path fails at connect
    return db;
  }

  /** Drops the in-memory copy (a newer file will be read on the next statement). */
  private forget(): void {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  private fileStamp(): string {
    if (this.inMemory) return "";
    const s = statSync(this.filename, { bigint: true, throwIfNoEntry: false });
    return s ? `${s.ino}:${s.mtimeNs}:${s.size}` : "missing";
  }

  private persist(): void {
    if (this.inMemory) return;
    const temporary = `${this.filename}.${process.pid}-${threadId}.tmp`;
    try {
      writeFileSync(temporary, this.db!.export());
      renameSync(temporary, this.filename);
    } catch (error) {
      this.forget(); // the unsaved change is dropped: the next statement reads the file again
      throw new ConnectionError(`Writing the sql.js database to ${this.filename} failed`, {
        cause: error,
        fix: "Check that the directory exists and is writable",
      });
    }
    this.stamp = this.fileStamp();
  }

  private statement(db: Database, text: string): Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      if (this.statements.size >= MAX_STATEMENTS) {
        const [oldest, old] = this.statements.entries().next().value!;
        this.statements.delete(oldest);
        old.free();
      }
      stmt = db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  /** Runs one statement synchronously; integers come back as BigInt and the dialect's decoders narrow them. */
  exec(text: string, params: readonly unknown[]): QueryResult {
    const db = this.open();
    const control = /^\s*(BEGIN|COMMIT|END|ROLLBACK)\s*(?:IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION)?\s*$/i.exec(text)?.[1]?.toUpperCase();
    const stmt = this.statement(db, text);
    const rows: Record<string, unknown>[] = [];
    try {
      stmt.bind(params as SqlValue[]);
      while (stmt.step()) rows.push((stmt.getAsObject as ReadRow).call(stmt, null, { useBigInt: true }));
    } finally {
      stmt.reset();
    }
    if (control === "BEGIN") this.inTransaction = true;
    else if (control !== undefined) this.inTransaction = false;
    const wrote = control === "COMMIT" || control === "END" || (control === undefined && !/^\s*SELECT\b/i.test(text));
    if (wrote && !this.inTransaction) this.persist();
    return { rows, rowCount: stmt.getColumnNames().length > 0 ? rows.length : db.getRowsModified() };
  }

  protected async runQuery(text: string, params: readonly unknown[]): Promise<QueryResult> {
    if (!this.lock.held) return this.exec(text, params);
    const release = await this.lock.acquire();
    try {
      return this.exec(text, params);
    } finally {
      release();
    }
  }

  /** `db.stream()`: a statement of its own (a cached one may be in use), stepped one batch per read. */
  override async openCursor(_on: SqlExecutor, text: string, params: readonly unknown[], { batchSize }: CursorOptions): Promise<RowCursor> {
    const stmt = this.open().prepare(text, params as SqlValue[]);
    let done = false;
    const end = () => (done || stmt.free(), (done = true));
    return {
      read: async () => {
        const rows: Record<string, unknown>[] = [];
        while (!done && rows.length < batchSize) {
          if (stmt.step()) rows.push((stmt.getAsObject as ReadRow).call(stmt, null, { useBigInt: true }));
          else end();
        }
        return rows;
      },
      close: async () => end(),
    };
  }

  /** One connection, busy while a transaction or a stream holds it. */
  override poolStatus() {
    return { total: this.db ? 1 : 0, idle: this.db && !this.lock.held ? 1 : 0 };
  }

  async acquire(): Promise<SqlConnection> {
    this.open();
    const release = await this.lock.acquire();
    return {
      query: async (text, params) => this.exec(text, params),
      release: (broken) => {
        if (broken && this.inTransaction) {
          try {
            this.exec("ROLLBACK", []);
          } catch {
            // The next BEGIN reports a connection that cannot recover.
          }
        }
        release();
      },
    };
  }

  /**
   * Writes that update on conflict need exact inserted/updated counts, which a multi-row `ON CONFLICT
   * DO UPDATE` does not report on SQLite: one INSERT ... DO NOTHING per row, then an UPDATE where it
   * inserted nothing. Plain inserts and skips keep sql-core's batched multi-row INSERT.
   */
  override async bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation) {
    if (op.kind === "BulkCreate" && op.onConflict !== "update") return multiRowBulkWrite(this, ctx, op);
    const totals = { inserted: 0, skipped: 0, updated: 0 };
    const d = this.dialect;
    const table = d.quote(op.model.table);
    const target = op.conflictOn!.map((n) => op.model.field(n)!);
    const updates = op.updateFields.map((n) => op.model.field(n)!);
    const where = target.map((f) => `${d.quote(f.name)} = ?`).join(" AND ");
    const update = `UPDATE ${table} SET ${updates.map((f) => `${d.quote(f.name)} = ?`).join(", ")} WHERE ${where}`;
    await this.transaction(
      async (exec) => {
        for (const row of op.rows) {
          const columns = insertColumns(op.model, row);
          const insert = `INSERT INTO ${table} (${columnList(d, columns)}) VALUES (${columns.map(() => "?").join(", ")}) ${d.conflictClause(op.conflictOn, [])}`;
          if ((await exec.query(insert, encodeRow(this, columns, row))).rowCount > 0) totals.inserted++;
          else {
            if (updates.length > 0) await exec.query(update, [...encodeRow(this, updates, row), ...encodeRow(this, target, row)]);
            totals.updated++;
          }
        }
      },
      {},
      ctx,
    );
    return totals;
  }

  mapError(error: unknown, model?: Model): DataFlowError {
    return mapSqlJsError(error, model);
  }
}
