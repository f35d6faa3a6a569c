import type { Dialect, SqlExecutor } from "@dataflow/sql-core";
import type { MigrationFile } from "./files.js";

export const DEFAULT_HISTORY_TABLE = "dataflow_migrations";

/** One row of the history table. `finished_at` is NULL while a migration runs, or after one failed part-way (MySQL). */
export interface HistoryRow {
  readonly id: string;
  readonly checksum: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** Statements of the file that completed: where an interrupted apply resumes (MySQL). */
  readonly statementsDone: number;
  readonly statementsTotal: number;
  readonly error: string | null;
}

export class History {
  constructor(
    private readonly dialect: Dialect,
    readonly table: string,
  ) {}

  private get t(): string {
    return this.dialect.quote(this.table);
  }

  private p(i: number): string {
    return this.dialect.placeholder(i);
  }

  createSql(): string {
    return `CREATE TABLE IF NOT EXISTS ${this.t} (id VARCHAR(191) NOT NULL PRIMARY KEY, checksum VARCHAR(64) NOT NULL, started_at VARCHAR(32) NOT NULL, finished_at VARCHAR(32), duration_ms INTEGER, statements_done INTEGER NOT NULL, statements_total INTEGER NOT NULL, error TEXT)`;
  }

  async exists(exec: SqlExecutor): Promise<boolean> {
    const q = this.dialect.catalog.columns(this.table);
    return (await exec.query(q.text, q.params)).rows.length > 0;
  }

  async rows(exec: SqlExecutor): Promise<HistoryRow[]> {
    if (!(await this.exists(exec))) return [];
    const { rows } = await exec.query(
      `SELECT id, checksum, started_at, finished_at, duration_ms, statements_done, statements_total, error FROM ${this.t} ORDER BY id`,
      [],
    );
    return rows.map((r) => ({
      id: String(r.id),
      checksum: String(r.checksum),
      startedAt: String(r.started_at),
      finishedAt: r.finished_at === null || r.finished_at === undefined ? null : String(r.finished_at),
      durationMs: r.duration_ms === null || r.duration_ms === undefined ? null : Number(r.duration_ms),
      statementsDone: Number(r.statements_done),
      statementsTotal: Number(r.statements_total),
      error: r.error === null || r.error === undefined ? null : String(r.error),
    }));
  }

  async start(exec: SqlExecutor, file: MigrationFile, total: number, startedAt: Date): Promise<void> {
    await exec.query(
      `INSERT INTO ${this.t} (id, checksum, started_at, statements_done, statements_total) VALUES (${this.p(1)}, ${this.p(2)}, ${this.p(3)}, 0, ${this.p(4)})`,
      [file.id, file.checksum, startedAt.toISOString(), total],
    );
  }

  async progress(exec: SqlExecutor, id: string, done: number, error: string | null = null): Promise<void> {
    await exec.query(`UPDATE ${this.t} SET statements_done = ${this.p(1)}, error = ${this.p(2)} WHERE id = ${this.p(3)}`, [done, error, id]);
  }

  async finish(exec: SqlExecutor, file: MigrationFile, total: number, startedAt: Date, finishedAt: Date): Promise<void> {
    await exec.query(
      `UPDATE ${this.t} SET checksum = ${this.p(1)}, finished_at = ${this.p(2)}, duration_ms = ${this.p(3)}, statements_done = ${this.p(4)}, statements_total = ${this.p(5)}, error = NULL WHERE id = ${this.p(6)}`,
      [file.checksum, finishedAt.toISOString(), finishedAt.getTime() - startedAt.getTime(), total, total, file.id],
    );
  }

  async remove(exec: SqlExecutor, id: string): Promise<void> {
    await exec.query(`DELETE FROM ${this.t} WHERE id = ${this.p(1)}`, [id]);
  }
}

/** Files and history compared: what is applied, pending, and what is wrong. */
export interface MigrationStatus {
  readonly applied: readonly { id: string; finishedAt: string; durationMs: number | null }[];
  readonly pending: readonly string[];
  /** Applied files whose up.sql changed since. */
  readonly tampered: readonly { id: string; recorded: string; current: string }[];
  /** Applied migrations whose folder is gone. */
  readonly missing: readonly string[];
  /** Pending files ordered before the newest applied one. */
  readonly outOfOrder: readonly { id: string; before: string }[];
  /** Migrations that started and did not finish (MySQL: statements run so far, and the error). */
  readonly interrupted: readonly HistoryRow[];
}

export function compareHistory(files: readonly MigrationFile[], rows: readonly HistoryRow[]): MigrationStatus {
  const byId = new Map(files.map((f) => [f.id, f]));
  const recorded = new Set(rows.map((r) => r.id));
  const finished = rows.filter((r) => r.finishedAt !== null);
  const newest = finished
    .map((r) => r.id)
    .sort()
    .at(-1);
  const pending = files.filter((f) => !recorded.has(f.id)).map((f) => f.id);
  return {
    applied: finished.map((r) => ({ id: r.id, finishedAt: r.finishedAt as string, durationMs: r.durationMs })),
    pending,
    tampered: finished.flatMap((r) => {
      const file = byId.get(r.id);
      return file && file.checksum !== r.checksum ? [{ id: r.id, recorded: r.checksum, current: file.checksum }] : [];
    }),
    missing: rows.filter((r) => !byId.has(r.id)).map((r) => r.id),
    outOfOrder: newest === undefined ? [] : pending.filter((id) => id < newest).map((id) => ({ id, before: newest })),
    interrupted: rows.filter((r) => r.finishedAt === null),
  };
}
