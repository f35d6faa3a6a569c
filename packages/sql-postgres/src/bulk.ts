import type { BulkCreateOperation, BulkRowGroup, BulkUpsertOperation, Model, ModelField, NodeContext, ProgressReporter } from "@dataflow/kernel/plugin";
import { bulkRowGroups } from "@dataflow/kernel/plugin";
import type pg from "pg";
import type { SqlExecutor, SqlTarget } from "@dataflow/sql-core";
import { columnList } from "@dataflow/sql-core";
import { copyChunks } from "./copy-text.js";
import { baseType, qualifiedTable, quoteIdentifier } from "./dialect.js";

/** What the bulk paths need of the adapter: the session's executors, and COPY on a held client. */
export interface PostgresBulkTarget extends SqlTarget {
  /** The client of the transaction `ctx` runs in, if there is one. */
  transactionConnection(ctx: NodeContext | undefined): { readonly client: pg.PoolClient } | undefined;
  copyIn(client: pg.PoolClient, text: string, chunks: Iterable<string>, signal: AbortSignal | undefined): Promise<number>;
}

export interface BulkTotals {
  inserted: number;
  skipped: number;
  updated: number;
}

/** UNNEST takes one parameter per column, so batches are bounded by memory and statement size, not by the 65,535 limit. */
export const DEFAULT_UNNEST_BATCH = 10_000;

/**
 * Splits rows into rounds in which no conflict key repeats: the k-th row with a given key goes to
 * round k. `ON CONFLICT DO UPDATE` cannot touch one row twice in a statement; in rounds, a later
 * duplicate updates the row an earlier one inserted, as a row-by-row loop would.
 */
export function roundsByKey<Row extends readonly unknown[]>(
  rows: readonly Row[],
  fields: readonly ModelField[],
  keyFields: readonly ModelField[],
  encode: (f: ModelField, v: unknown) => unknown,
): Row[][] {
  const seen = new Map<string, number>();
  const rounds: Row[][] = [[]];
  const positions = keyFields.map((f) => fields.indexOf(f));
  for (const row of rows) {
    let key = "";
    let hasNull = false;
    for (let k = 0; k < keyFields.length; k++) {
      const f = keyFields[k]!;
      const v = row[positions[k]!];
      if (v === null || v === undefined) hasNull = true;
      else key += `${String(encode(f, v))}\u0000`;
    }
    // NULLs never conflict, so such a row cannot collide with anything in its batch.
    const round = hasNull ? 0 : (seen.get(key) ?? -1) + 1;
    if (!hasNull) seen.set(key, round);
    (rounds[round] ??= []).push(row);
  }
  return rounds;
}

function unnestInsert(adapter: PostgresBulkTarget, model: Model, fields: readonly ModelField[], tail: string): string {
  const arrays = fields.map((f, i) => `$${i + 1}::${baseType(f)}[]`).join(", ");
  return `INSERT INTO ${qualifiedTable(model)} (${columnList(adapter.dialect, fields)}) SELECT * FROM UNNEST(${arrays})${tail}`;
}

function columnArrays(adapter: PostgresBulkTarget, fields: readonly ModelField[], rows: readonly (readonly unknown[])[]): unknown[][] {
  const d = adapter.dialect;
  return fields.map((f, j) => {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]![j];
      values[i] = v === null || v === undefined ? null : d.encode(f, v);
    }
    return values;
  });
}

/** Rows written so far, for the node's progress reporter. */
interface Progress {
  add(count: number): void;
}
const NO_PROGRESS: Progress = { add() {} };

/** `INSERT ... SELECT * FROM UNNEST($1::type[], ...)`, with ON CONFLICT for skip/update, in batches. */
async function unnestRows(
  adapter: PostgresBulkTarget,
  exec: SqlExecutor,
  op: BulkCreateOperation | BulkUpsertOperation,
  group: BulkRowGroup,
  mode: "error" | "skip" | "update",
  totals: BulkTotals,
  progress: Progress,
): Promise<void> {
  const model = op.model;
  const q = quoteIdentifier;
  const target = op.conflictOn;
  const size = op.batchSize ?? DEFAULT_UNNEST_BATCH;
  if (mode !== "update") {
    const tail = mode === "skip" ? ` ${adapter.dialect.conflictClause(target, [])}` : "";
    const text = unnestInsert(adapter, model, group.fields, tail);
    for (let start = 0; start < group.rows.length; start += size) {
      const chunk = group.rows.slice(start, start + size);
      const res = await exec.query(text, columnArrays(adapter, group.fields, chunk));
      totals.inserted += res.rowCount;
      if (mode === "skip") totals.skipped += chunk.length - res.rowCount;
      progress.add(chunk.length);
    }
    return;
  }
  // Nothing to overwrite still has to touch the row, so it is counted as updated, as in a row-by-row loop.
  const update = op.updateFields.length > 0 ? op.updateFields : [target![0]!];
  const set = update.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(", ");
  const insert = unnestInsert(
    adapter,
    model,
    group.fields,
    ` ON CONFLICT (${target!.map(q).join(", ")}) DO UPDATE SET ${set} RETURNING ${adapter.dialect.insertedFlag} AS df_inserted`,
  );
  const text = `WITH df_written AS (${insert}) SELECT count(*) FILTER (WHERE df_inserted) AS inserted, count(*) AS written FROM df_written`;
  const keyFields = target!.map((n) => model.field(n)!);
  for (let start = 0; start < group.rows.length; start += size) {
    for (const round of roundsByKey(group.rows.slice(start, start + size), group.fields, keyFields, adapter.dialect.encode)) {
      if (round.length === 0) continue;
      const { rows } = await exec.query(text, columnArrays(adapter, group.fields, round));
      const inserted = Number(rows[0]!.inserted);
      totals.inserted += inserted;
      totals.updated += Number(rows[0]!.written) - inserted;
      progress.add(round.length);
    }
  }
}

/**
 * BulkCreate / BulkUpsert on PostgreSQL, atomically (one transaction, or a savepoint inside the
 * caller's): COPY FROM STDIN when conflicts are errors, else INSERT ... UNNEST ... ON CONFLICT.
 */
export async function postgresBulkWrite(
  adapter: PostgresBulkTarget,
  ctx: NodeContext,
  op: BulkCreateOperation | BulkUpsertOperation,
  reporter?: ProgressReporter,
): Promise<BulkTotals> {
  const totals: BulkTotals = { inserted: 0, skipped: 0, updated: 0 };
  let done = 0;
  const progress: Progress = reporter === undefined ? NO_PROGRESS : { add: (count) => reporter.report((done += count)) };
  const groups = bulkRowGroups(op);
  if (groups.length === 0) return totals;
  const mode = op.kind === "BulkUpsert" ? "update" : op.onConflict;
  await adapter.transaction(
    async () => {
      const exec = adapter.executorFor(ctx);
      const connection = adapter.transactionConnection(ctx);
      for (const group of groups) {
        if (mode === "error" && connection) {
          const text = `COPY ${qualifiedTable(op.model)} (${columnList(adapter.dialect, group.fields)}) FROM STDIN`;
          totals.inserted += await adapter.copyIn(
            connection.client,
            text,
            copyChunks(adapter.dialect, group.fields, group.rows, undefined, reporter && progress.add),
            ctx.signal,
          );
        } else {
          await unnestRows(adapter, exec, op, group, mode, totals, progress);
        }
      }
    },
    {},
    ctx,
  );
  return totals;
}
