import { createHash } from "node:crypto";
import type { DataFlowError, Model } from "@dataflow/kernel/plugin";
import type { Dialect, SqlConnection } from "@dataflow/sql-core";
import type { MigrationDatabase } from "./databases.js";
import { migrationDatabase } from "./databases.js";
import { MigrationError } from "./errors.js";
import type { MigrationDirectory, MigrationFile } from "./files.js";
import type { MigrationStatus } from "./history.js";
import { History, compareHistory } from "./history.js";
import { splitStatements } from "./split.js";

/** The database side of a migration run: a `DatabaseAdapter` of @dataflow/sql-core is one. */
export interface MigrationTarget {
  readonly dialect: Dialect;
  acquire(): Promise<SqlConnection>;
  mapError(error: unknown, model?: Model): DataFlowError;
}

/** Where `apply` is: reported before each statement runs, and once when all are done. */
export interface MigrationProgress {
  /** The migration whose statement runs next (the last one when `finished`). */
  readonly id: string;
  /** 1-based position of that migration among those this apply runs, and their number. */
  readonly file: number;
  readonly files: number;
  /** 1-based statement of that migration about to run, and its number of statements. */
  readonly statement: number;
  readonly statements: number;
  /** Statements finished, of all the migrations this apply runs, and their total. */
  readonly done: number;
  readonly total: number;
  readonly finished: boolean;
}

export interface RunOptions {
  /** A line for a human watching a long step. */
  readonly progress?: (message: string) => void;
  /** Statements done of total during `apply` (without it, `progress` gets a line per statement). */
  readonly onProgress?: (event: MigrationProgress) => void;
  /** How long to wait for another process's migration lock. Default 600. */
  readonly lockTimeoutSeconds?: number;
}

export interface ApplyResult {
  readonly applied: readonly { id: string; durationMs: number; resumedAt?: number }[];
  /** Applied by another process while this one waited for the lock. */
  readonly skipped: readonly string[];
}

function describeRefusal(status: MigrationStatus, dir: string): MigrationError | undefined {
  const t = status.tampered[0];
  if (t) {
    return new MigrationError(
      `Migration ${t.id} was changed after it was applied (checksum ${t.recorded.slice(0, 12)}… recorded, ${t.current.slice(0, 12)}… now)`,
      {
        fix: `Restore ${dir}/${t.id}/up.sql to the applied version (git checkout), and put the change in a new migration: dataflow migrate generate <name>`,
      },
    );
  }
  const m = status.missing[0];
  if (m) {
    return new MigrationError(`Migration ${m} is applied but its folder ${dir}/${m} is missing`, { fix: "Restore the folder from version control" });
  }
  const o = status.outOfOrder[0];
  if (o) {
    return new MigrationError(`Migration ${o.id} is ordered before ${o.before}, which is already applied`, {
      fix: `Give it an id after ${o.before}: regenerate it (dataflow migrate generate), or rename its folder with a later timestamp`,
    });
  }
  return undefined;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statements done of total across one `apply`, reported to `onProgress`. */
class Tally {
  file = 0;
  done = 0;
  private last: { id: string; statement: number; statements: number } = { id: "", statement: 0, statements: 0 };

  constructor(
    private readonly listener: ((event: MigrationProgress) => void) | undefined,
    private readonly files: number,
    private total: number,
  ) {}

  get listening(): boolean {
    return this.listener !== undefined;
  }

  /** A migration another process applied meanwhile: its statements leave the total. */
  skip(statements: number): void {
    this.total -= statements;
  }

  before(id: string, statement: number, statements: number): void {
    this.last = { id, statement, statements };
    this.emit(false);
  }

  end(): void {
    if (this.files > 0) this.emit(true);
  }

  private emit(finished: boolean): void {
    this.listener?.({ ...this.last, file: this.file, files: this.files, done: this.done, total: this.total, finished });
  }
}

/** Applies and reverts migration files with a history table and a lock per database. */
export class MigrationRunner {
  readonly db: MigrationDatabase;
  readonly history: History;

  constructor(
    private readonly target: MigrationTarget,
    private readonly directory: MigrationDirectory,
    historyTable: string,
  ) {
    this.db = migrationDatabase(target.dialect);
    this.history = new History(target.dialect, historyTable);
  }

  private get lockKey(): string {
    // A signed 64-bit advisory lock key derived from the history table's name.
    return BigInt.asIntN(64, BigInt(`0x${createHash("sha256").update(`dataflow:migrate:${this.history.table}`).digest("hex").slice(0, 16)}`)).toString();
  }

  private message(error: unknown): string {
    return this.target.mapError(error).message;
  }

  async status(): Promise<MigrationStatus> {
    const conn = await this.target.acquire();
    try {
      return compareHistory(this.directory.list(), await this.history.rows(conn));
    } finally {
      conn.release();
    }
  }

  /** Runs `work` inside the migration lock: per transaction on PostgreSQL and SQLite, per session on MySQL. */
  private async locked<T>(conn: SqlConnection, options: RunOptions, work: () => Promise<T>): Promise<T> {
    if (this.db.transactionalDdl) {
      const pause = this.db.foreignKeyPause;
      if (pause) await conn.query(pause.off, []);
      try {
        await this.begin(conn, options);
        try {
          const result = await work();
          if (pause) await this.checkForeignKeys(conn, pause.check);
          await conn.query("COMMIT", []);
          return result;
        } catch (error) {
          await conn.query("ROLLBACK", []).catch(() => undefined);
          throw error;
        }
      } finally {
        if (pause) await conn.query(pause.on, []);
      }
    }
    return work();
  }

  /** With enforcement paused, references the migration broke are found before COMMIT, and roll it back. */
  private async checkForeignKeys(conn: SqlConnection, check: string): Promise<void> {
    const { rows } = await conn.query(check, []);
    const broken = rows[0];
    if (!broken) return;
    throw new MigrationError(`The migration leaves ${rows.length} row(s) of ${String(broken.table)} referencing missing rows of ${String(broken.parent)}`, {
      fix: `Nothing was applied (rolled back). Delete or fix those rows of ${String(broken.table)} first, or change the migration`,
    });
  }

  private async begin(conn: SqlConnection, options: RunOptions): Promise<void> {
    const deadline = Date.now() + (options.lockTimeoutSeconds ?? 600) * 1000;
    let told = false;
    for (;;) {
      try {
        for (const q of this.db.beginLocked(this.lockKey)) await conn.query(q.text, q.params);
        return;
      } catch (error) {
        await conn.query("ROLLBACK", []).catch(() => undefined);
        if (!isBusy(error) || Date.now() > deadline) throw error;
        if (!told) options.progress?.("waiting: another process holds the migration lock");
        told = true;
        await sleep(200);
      }
    }
  }

  private async withSession<T>(options: RunOptions, work: (conn: SqlConnection) => Promise<T>): Promise<T> {
    const conn = await this.target.acquire();
    let broken = false;
    const lock = this.db.sessionLock;
    try {
      if (lock) {
        const timeout = options.lockTimeoutSeconds ?? 600;
        const q = lock.acquire(timeout);
        const { rows } = await conn.query(q.text, q.params);
        if (Number(rows[0]?.locked) !== 1) {
          options.progress?.("waiting: another process holds the migration lock");
          throw new MigrationError(`Another process held the migration lock for ${timeout}s`, {
            fix: "Wait for it to finish (dataflow migrate status shows its progress), or raise lockTimeoutSeconds",
          });
        }
      }
      try {
        if (this.db.transactionalDdl) await this.locked(conn, options, () => conn.query(this.history.createSql(), []));
        else await conn.query(this.history.createSql(), []);
        return await work(conn);
      } finally {
        if (lock) {
          const q = lock.release();
          await conn.query(q.text, q.params).catch(() => undefined);
        }
      }
    } catch (error) {
      broken = !(error instanceof MigrationError) && (this.target.mapError(error).code === "CONNECTION_ERROR" || isBusy(error));
      throw error;
    } finally {
      conn.release(broken);
    }
  }

  async apply(options: RunOptions = {}): Promise<ApplyResult> {
    return this.withSession(options, async (conn) => {
      const files = this.directory.list();
      const status = compareHistory(files, await this.history.rows(conn));
      const refusal = describeRefusal(status, this.directory.path);
      if (refusal) throw refusal;
      const applied: { id: string; durationMs: number; resumedAt?: number }[] = [];
      const skipped: string[] = [];
      const work: { file: MigrationFile; from: number; row?: (typeof status.interrupted)[number] }[] = [];
      for (const row of status.interrupted) {
        const file = files.find((f) => f.id === row.id);
        if (!file)
          throw new MigrationError(`Migration ${row.id} was interrupted and its folder is missing`, { fix: "Restore the folder from version control" });
        work.push({ file, from: row.statementsDone, row });
      }
      for (const id of status.pending) work.push({ file: files.find((f) => f.id === id) as MigrationFile, from: 0 });
      const tally = new Tally(
        options.onProgress,
        work.length,
        work.reduce((n, w) => n + splitStatements(w.file.up).length - w.from, 0),
      );
      for (const [i, { file, from, row }] of work.entries()) {
        tally.file = i + 1;
        if (row) {
          options.progress?.(
            `${row.id} was interrupted after statement ${row.statementsDone} of ${row.statementsTotal}${row.error ? ` (${row.error})` : ""}; resuming at statement ${row.statementsDone + 1}`,
          );
          applied.push({ ...(await this.applyFile(conn, file, options, from, new Date(row.startedAt), tally)), resumedAt: from + 1 });
          continue;
        }
        const result = await this.applyFile(conn, file, options, 0, undefined, tally);
        if (result.skipped) skipped.push(file.id);
        else applied.push(result);
      }
      tally.end();
      return { applied, skipped };
    });
  }

  /** One file; `from` > 0 resumes a MySQL migration that stopped part-way. */
  private async applyFile(
    conn: SqlConnection,
    file: MigrationFile,
    options: RunOptions,
    from: number,
    resumedStart: Date | undefined,
    tally: Tally,
  ): Promise<{ id: string; durationMs: number; skipped?: true }> {
    const statements = splitStatements(file.up);
    const total = statements.length;
    return this.locked(conn, options, async () => {
      if (from === 0) {
        const rows = await this.history.rows(conn);
        if (rows.some((r) => r.id === file.id)) {
          options.progress?.(`${file.id}: already applied by another process`);
          tally.skip(total);
          return { id: file.id, durationMs: 0, skipped: true as const };
        }
        const later = rows.find((r) => r.id > file.id);
        if (later) {
          throw new MigrationError(`Migration ${file.id} is ordered before ${later.id}, which another process applied meanwhile`, {
            fix: `Give it an id after ${later.id} (rename its folder with a later timestamp)`,
          });
        }
      }
      const startedAt = resumedStart ?? new Date();
      options.progress?.(`applying ${file.id} (${total} statements)`);
      if (from === 0) await this.history.start(conn, file, total, startedAt);
      for (let i = from; i < total; i++) {
        const sql = statements[i] as string;
        if (tally.listening) tally.before(file.id, i + 1, total);
        else options.progress?.(`${file.id}: statement ${i + 1}/${total}`);
        try {
          await conn.query(sql, []);
        } catch (error) {
          const reason = this.message(error);
          if (this.db.transactionalDdl) {
            throw new MigrationError(`Migration ${file.id} failed at statement ${i + 1} of ${total}: ${reason}`, {
              cause: error,
              fix: "Nothing of it was applied (the transaction rolled back). Fix the file, then run dataflow migrate apply again",
            });
          }
          await this.history.progress(conn, file.id, i, reason.slice(0, 1000)).catch(() => undefined);
          throw new MigrationError(`Migration ${file.id} failed at statement ${i + 1} of ${total}: ${reason}`, {
            cause: error,
            fix: `Statements 1-${i} are applied (this database cannot roll DDL back). Fix statement ${i + 1} in the file, then run dataflow migrate apply again: it resumes at statement ${i + 1}`,
          });
        }
        if (!this.db.transactionalDdl) await this.history.progress(conn, file.id, i + 1);
        tally.done++;
      }
      const finishedAt = new Date();
      await this.history.finish(conn, file, total, startedAt, finishedAt);
      return { id: file.id, durationMs: finishedAt.getTime() - startedAt.getTime() };
    });
  }

  /**
   * Records a migration as applied without running it: for a database that already has its
   * schema (the first migration of a project that grew with auto-migration, written with --from-empty),
   * or an interrupted one whose remaining statements were run by hand.
   */
  async markApplied(id: string, options: RunOptions = {}): Promise<void> {
    await this.withSession(options, async (conn) => {
      const file = this.directory.list().find((f) => f.id === id);
      if (!file)
        throw new MigrationError(`There is no migration ${id} in ${this.directory.path}`, {
          field: "id",
          fix: "Pass the id of a migration folder (see dataflow migrate status)",
        });
      const total = splitStatements(file.up).length;
      await this.locked(conn, options, async () => {
        const existing = (await this.history.rows(conn)).find((r) => r.id === id);
        if (existing?.finishedAt) throw new MigrationError(`Migration ${id} is already recorded as applied`, { field: "id" });
        const now = new Date();
        // An interrupted migration (MySQL) whose remaining statements were run by hand is marked finished.
        if (!existing) await this.history.start(conn, file, total, now);
        await this.history.finish(conn, file, total, existing ? new Date(existing.startedAt) : now, now);
      });
      options.progress?.(`recorded ${id} as applied (its statements did not run)`);
    });
  }

  /** Reverts applied migrations newer than `toId` (`"0"`: all of them), newest first, with their down.sql. */
  async down(toId: string, options: RunOptions = {}): Promise<{ reverted: string[] }> {
    return this.withSession(options, async (conn) => {
      const files = this.directory.list();
      const rows = await this.history.rows(conn);
      if (toId !== "0" && !rows.some((r) => r.id === toId && r.finishedAt !== null)) {
        throw new MigrationError(`--to ${toId} is not an applied migration`, {
          field: "to",
          fix: "Pass the id of an applied migration (see dataflow migrate status), or 0 to revert all",
        });
      }
      const targets = rows.filter((r) => r.id > toId).sort((a, b) => (a.id < b.id ? 1 : -1));
      for (const row of targets) {
        const file = files.find((f) => f.id === row.id);
        if (!file) throw new MigrationError(`Migration ${row.id} has no folder`, { fix: "Restore it from version control before reverting" });
        if (file.down === undefined) {
          throw new MigrationError(`Migration ${row.id} has no down.sql`, {
            fix: `Write ${file.dir}/down.sql by hand (generate writes none when the change cannot be undone from the schema), or revert with a new migration`,
          });
        }
        if (file.checksum !== row.checksum) throw describeRefusal(compareHistory(files, [row]), this.directory.path) as MigrationError;
      }
      const reverted: string[] = [];
      for (const row of targets) {
        const file = files.find((f) => f.id === row.id) as MigrationFile;
        const statements = splitStatements(file.down as string);
        await this.locked(conn, options, async () => {
          options.progress?.(`reverting ${row.id} (${statements.length} statements)`);
          for (const [i, sql] of statements.entries()) {
            options.progress?.(`${row.id}: down statement ${i + 1}/${statements.length}`);
            try {
              await conn.query(sql, []);
            } catch (error) {
              throw new MigrationError(`Reverting ${row.id} failed at statement ${i + 1} of ${statements.length}: ${this.message(error)}`, {
                cause: error,
                fix: this.db.transactionalDdl
                  ? "Nothing of it was reverted (rolled back). Fix down.sql and run again"
                  : `Statements 1-${i} of down.sql ran (this database cannot roll DDL back); undo or finish the rest by hand, then run again`,
              });
            }
          }
          await this.history.remove(conn, row.id);
        });
        reverted.push(row.id);
      }
      return { reverted };
    });
  }
}

export { describeRefusal };
