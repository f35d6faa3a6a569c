import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { threadId } from "node:worker_threads";
import type { AdapterOptions, BulkCreateOperation, BulkUpsertOperation, DataFlowError, Model, ModelField, NodeContext } from "@dataflow/kernel/plugin";
import { ClosedError, ConnectionError, bulkRowGroups, rowObject } from "@dataflow/kernel/plugin";
import type { CursorOptions, QueryResult, RowCursor, SqlConnection, SqlExecutor } from "@dataflow/sql-core";
import { DatabaseAdapter, encodeRow, multiRowBulkWrite, statements, tableReference } from "@dataflow/sql-core";
import { sqliteDialect, sqliteFunctions } from "@dataflow/sql-sqlite/dialect";
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue, type Statement } from "sql.js";
import { mapSqlJsError } from "./errors.js";
import { type Lock, lockOf } from "./lock.js";
import { sqljsFilename } from "./url.js";

/** sql.js compiles its WebAssembly once per thread. */
let engine: Promise<SqlJsStatic> | undefined;

const MAX_STATEMENTS = 500;

/** `getAsObject(params, config)` with `useBigInt` (@types/sql.js 1.4 lacks `config`): integers as BigInt, which the dialect's decoders narrow. */
type GetAsObject = (this: Statement, params: null, config: { useBigInt: boolean }) => Record<string, unknown>;
const readRow = (stmt: Statement) => (stmt.getAsObject as GetAsObject).call(stmt, null, { useBigInt: true });

/** DataFlow on sql.js (SQLite in WebAssembly): a file is read at connect, saved after each committed write, reread when another writer replaced it. */
export class SqlJsAdapter extends DatabaseAdapter {
  readonly databaseType = "sqlite";
  readonly dialect = sqliteDialect;
  readonly capabilities = { transactions: true, savepoints: true, returning: true, upsert: true, json: true, vector: false, streaming: true };
  readonly filename: string;
  private sql: SqlJsStatic | undefined;
  private db: Database | undefined;
  private closed = false;
  private inTransaction = false;
  /** The file's identity when this adapter last read or wrote it; undefined while there is no file. */
  private stamp: string | undefined;
  private readonly prepared = new Map<string, Statement>();
  private readonly lock: Lock;

  constructor(url: string, options: AdapterOptions = {}) {
    super(options);
    this.filename = sqljsFilename(url);
    this.lock = lockOf(this.filename);
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
    if (this.closed) throw new ClosedError("This sql.js adapter is closed", { fix: "Create a new DataFlow; a closed one never reopens the file" });
    if (this.db && (this.inTransaction || this.stamp === this.fileStamp())) return this.db;
    if (!this.sql) throw new ConnectionError("The sql.js adapter is not connected", { fix: "Call db.initialize() (DataFlow connects before the first run)" });
    this.forget();
    const stamp = this.fileStamp(); // before reading: a file replaced meanwhile is read again next time
    try {
      this.db = new this.sql.Database(stamp === undefined ? undefined : readFileSync(this.filename));
      this.db.run("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON");
      for (const { name, fn } of sqliteFunctions) this.db.create_function(name, fn as (...args: unknown[]) => SqlValue);
    } catch (error) {
      this.forget();
      throw new ConnectionError(`Opening the sql.js database ${this.filename} failed`, { cause: error, fix: "Check that the file is a SQLite database" });
    }
    this.stamp = stamp;
    if (stamp === undefined) this.persist(); // creates the file now, so a bad path fails at connect
    return this.db;
  }

  /** Drops the in-memory copy (the next statement reads the file). */
  private forget(): void {
    this.prepared.clear();
    this.db?.close();
    this.db = undefined;
  }

  private fileStamp(): string | undefined {
    const s = this.filename === ":memory:" ? undefined : statSync(this.filename, { bigint: true, throwIfNoEntry: false });
    return s && `${s.ino}:${s.mtimeNs}:${s.size}`;
  }

  private persist(): void {
    if (this.filename === ":memory:") return;
    const temporary = `${this.filename}.${process.pid}-${threadId}.tmp`;
    try {
      writeFileSync(temporary, this.db!.export());
      renameSync(temporary, this.filename);
    } catch (error) {
      this.forget(); // the unsaved change is dropped: the next statement reads the file again
      throw new ConnectionError(`Writing the sql.js database to ${this.filename} failed`, { cause: error, fix: "Create the directory or make it writable" });
    }
    this.stamp = this.fileStamp();
  }

  /** Prepared statements by text; past MAX_STATEMENTS the oldest is freed. */
  private statement(db: Database, text: string): Statement {
    let stmt = this.prepared.get(text);
    if (stmt) return stmt;
    if (this.prepared.size >= MAX_STATEMENTS) {
      const [oldest, old] = this.prepared.entries().next().value!;
      this.prepared.delete(oldest);
      old.free();
    }
    this.prepared.set(text, (stmt = db.prepare(text)));
    return stmt;
  }

  /** Runs one statement synchronously; saves the file after a committed write. */
  exec(text: string, params: readonly unknown[]): QueryResult {
    const db = this.open();
    const control = /^\s*(BEGIN|COMMIT|END|ROLLBACK)\s*(?:IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION)?\s*$/i.exec(text)?.[1]?.toUpperCase();
    const stmt = this.statement(db, text);
    const rows: Record<string, unknown>[] = [];
    try {
      stmt.bind(params as SqlValue[]);
      while (stmt.step()) rows.push(readRow(stmt));
    } finally {
      stmt.reset();
    }
    if (control) this.inTransaction = control === "BEGIN";
    if (!this.inTransaction && control !== "ROLLBACK" && !/^\s*SELECT\b/i.test(text)) this.persist();
    return { rows, rowCount: stmt.getColumnNames().length > 0 ? rows.length : db.getRowsModified() };
  }

  protected async runQuery(text: string, params: readonly unknown[]): Promise<QueryResult> {
    const release = this.lock.held ? await this.lock.acquire() : undefined;
    try {
      return this.exec(text, params);
    } finally {
      release?.();
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
          if (stmt.step()) rows.push(readRow(stmt));
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
        // If even ROLLBACK fails, the next BEGIN reports the connection as unusable.
        try {
          if (broken && this.inTransaction) this.exec("ROLLBACK", []);
        } catch {}
        release();
      },
    };
  }

  /** SQLite gives no inserted/updated split for a multi-row `ON CONFLICT DO UPDATE`: per row, INSERT ... DO NOTHING, then UPDATE if nothing was inserted. */
  override async bulkWrite(ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation) {
    if (op.kind === "BulkCreate" && op.onConflict !== "update") return multiRowBulkWrite(this, ctx, op);
    const totals = { inserted: 0, skipped: 0, updated: 0 };
    // Read before the copy below: copying `op` builds its row objects.
    const groups = bulkRowGroups(op);
    const skipping: BulkCreateOperation = { ...op, kind: "BulkCreate", onConflict: "skip" };
    const target = op.conflictOn!.map((n) => op.model.field(n)!);
    const updates = op.updateFields.map((n) => op.model.field(n)!);
    const equal = (fields: ModelField[], separator: string) => fields.map((f) => `${this.dialect.quote(f.name)} = ?`).join(separator);
    const update = `UPDATE ${tableReference(this.dialect, op.model)} SET ${equal(updates, ", ")} WHERE ${equal(target, " AND ")}`;
    const write = async (exec: SqlExecutor) => {
      for (const { fields, rows } of groups) {
        for (const values of rows) {
          const insert = statements.insertBatch(this.dialect, skipping, fields, [values]);
          const inserted = (await exec.query(insert.text, insert.params)).rowCount > 0;
          if (!inserted && updates.length > 0) {
            const row = rowObject(fields, values);
            await exec.query(update, [...encodeRow(this, updates, row), ...encodeRow(this, target, row)]);
          }
          totals[inserted ? "inserted" : "updated"]++;
        }
      }
    };
    await this.transaction(write, {}, ctx);
    return totals;
  }

  mapError(error: unknown, model?: Model): DataFlowError {
    return mapSqlJsError(error, model);
  }
}
