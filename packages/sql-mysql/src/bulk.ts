import type { BulkCreateOperation, BulkUpsertOperation, Model, ModelField, NodeContext, ProgressReporter, RowData } from "@dataflow/kernel/plugin";
import { DatabaseError, bulkRowGroups, rowObject } from "@dataflow/kernel/plugin";
import { columnList, rowDecoder, tableReference } from "@dataflow/sql-core";
import type { MysqlTarget } from "./target.js";
import type { MysqlDialect } from "./dialect.js";
import { otherUniqueKeys } from "./keys.js";
import { pushValues, rowLiterals, sqlLiteral, tupleOf } from "./literals.js";
import type { StatementResult } from "./pool.js";
import { collisionError } from "./upsert.js";

export interface BulkTotals {
  inserted: number;
  skipped: number;
  updated: number;
}

/** Placeholder limit of the prepared protocol; also kept as a row cap for statements sent as text. */
const MAX_VALUES_PER_STATEMENT = 65_535;
/** Statement size aimed for: large enough to amortise round trips, small enough to stay far below max_allowed_packet. */
const TARGET_STATEMENT_BYTES = 1024 * 1024;
/**
 * Rows per statement unless `batchSize` says otherwise. Measured (src/mysql-bulk-forms.mjs in
 * bench): the server's CPU per row is the same for 500 to 5,000 rows per statement, and 1,000-row
 * prepared statements cost the client less than 5,000-row ones.
 */
const DEFAULT_ROWS_PER_STATEMENT = 1_000;
/** Room left in a packet for the protocol header. */
const PACKET_HEADROOM = 1024;

type Mode = "error" | "skip" | "update";

/** `Records: 4  Duplicates: 1  Warnings: 0` -> 1 */
function duplicatesOf(info: string): number | undefined {
  const m = /Duplicates:\s*(\d+)/.exec(info);
  return m ? Number(m[1]) : undefined;
}

/**
 * Splits one statement's counts. Without CLIENT_FOUND_ROWS a multi-row INSERT ... ON DUPLICATE KEY
 * UPDATE reports affected = inserted + 2 x changed, and its info line `Duplicates` = changed; a
 * row that matched but kept its values counts 0 in both. So inserted = affected - 2 x Duplicates,
 * and every other row met an existing key. A one-row statement has no info line: affected 1 means
 * inserted, 0 or 2 an existing row.
 */
export function countChunk(mode: Mode, rows: number, result: Pick<StatementResult, "affectedRows" | "info">): BulkTotals {
  if (mode === "error") return { inserted: result.affectedRows, skipped: 0, updated: 0 };
  let inserted: number;
  if (rows === 1) inserted = result.affectedRows === 1 ? 1 : 0;
  else if (mode === "skip") inserted = result.affectedRows;
  else {
    const duplicates = duplicatesOf(result.info);
    if (duplicates === undefined) throw new DatabaseError("The server sent no row counts for a bulk upsert statement");
    inserted = result.affectedRows - 2 * duplicates;
  }
  const existing = rows - inserted;
  return mode === "skip" ? { inserted, skipped: existing, updated: 0 } : { inserted, skipped: 0, updated: existing };
}

/** `ON DUPLICATE KEY UPDATE` for the mode; guarded (only rows matching the target change) when `guarded`. */
function conflictTail(d: MysqlDialect, model: Model, mode: Mode, target: readonly string[] | undefined, updates: readonly string[], guarded: boolean): string {
  if (mode === "error") return "";
  const pk = d.quote(model.primaryKey.name);
  const columns = mode === "update" ? updates.filter((c) => !target?.includes(c)) : [];
  if (columns.length === 0) return `${d.rowAlias} ON DUPLICATE KEY UPDATE ${pk} = ${pk}`;
  const matches = (target ?? []).map((t) => `${d.quote(t)} = ${d.proposed(t)}`).join(" AND ");
  const set = columns.map((c) => {
    const q = d.quote(c);
    return guarded ? `${q} = IF(${matches}, ${d.proposed(c)}, ${q})` : `${q} = ${d.proposed(c)}`;
  });
  return `${d.rowAlias} ON DUPLICATE KEY UPDATE ${set.join(", ")}`;
}

function targetKey(values: readonly unknown[]): string {
  return values.map((v) => (v instanceof Date ? v.toISOString() : String(v))).join("\u0000");
}

/**
 * Rows of a chunk whose (non-NULL) target values are not in the table after the statement: they
 * met another unique key, and the guard left that row alone.
 */
async function rowsMissingTarget(
  adapter: MysqlTarget,
  ctx: NodeContext,
  model: Model,
  target: readonly ModelField[],
  rows: readonly RowData[],
): Promise<RowData[]> {
  const d = adapter.dialect;
  const candidates = rows.filter((row) => target.every((f) => row[f.name] !== null && row[f.name] !== undefined));
  if (candidates.length === 0) return [];
  const literal = (f: ModelField, v: unknown) => {
    const text = sqlLiteral(d.encode(f, v));
    return d.parameter ? d.parameter(f, text) : text;
  };
  const tuples = candidates.map((row) =>
    target.length === 1 ? literal(target[0]!, row[target[0]!.name]) : `(${target.map((f) => literal(f, row[f.name])).join(", ")})`,
  );
  const columns = target.map((f) => d.quote(f.name));
  const text = `SELECT ${columns.join(", ")} FROM ${tableReference(d, model)} WHERE ${columns.length === 1 ? columns[0] : `(${columns.join(", ")})`} IN (${[...new Set(tuples)].join(", ")})`;
  const { rows: found } = await adapter.literalStatement(ctx, text);
  const decode = rowDecoder(d, model, target);
  const present = new Set(found.map((r) => decode(r)).map((r) => targetKey(target.map((f) => r[f.name]))));
  return candidates.filter((row) => !present.has(targetKey(target.map((f) => row[f.name]))));
}

/** One multi-row INSERT of rows `start` to `end`: prepared with bound values, or text with literals. */
interface Chunk {
  readonly sql: string;
  readonly params: unknown[] | undefined;
  readonly start: number;
  readonly end: number;
}

/**
 * BulkCreate / BulkUpsert as multi-row INSERT statements, chunked by the value count and by the
 * server's max_allowed_packet, all inside one transaction (a savepoint inside an open one), so a
 * failing chunk leaves none of the node's rows behind. Chunks of the full row count are sent
 * server-side prepared (one text per shape, so the server parses it once per connection and then
 * only binds values); the remainder, and rows too large for a full chunk, go as text with
 * literals. Conflicts use ON DUPLICATE KEY UPDATE (`skip`: a no-op assignment, never INSERT
 * IGNORE, which would also hide other errors).
 */
export async function mysqlBulkWrite(
  adapter: MysqlTarget,
  ctx: NodeContext,
  op: BulkCreateOperation | BulkUpsertOperation,
  progress?: ProgressReporter,
): Promise<BulkTotals> {
  const totals: BulkTotals = { inserted: 0, skipped: 0, updated: 0 };
  const groups = bulkRowGroups(op);
  if (groups.length === 0) return totals;
  const d = adapter.dialect;
  const model = op.model;
  const mode: Mode = op.kind === "BulkUpsert" ? "update" : op.onConflict;
  const target = mode === "error" ? undefined : op.conflictOn;

  let done = 0;
  await adapter.transaction(
    async () => {
      for (const { fields, rows } of groups) {
        const guard = target ? otherUniqueKeys(model, target, new Set(fields.map((f) => f.name))) : [];
        const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES `;
        const tail = conflictTail(d, model, mode, target, op.updateFields, guard.length > 0);
        const maxRows = Math.min(op.batchSize ?? DEFAULT_ROWS_PER_STATEMENT, Math.max(1, Math.floor(MAX_VALUES_PER_STATEMENT / fields.length)));
        const maxBytes = Math.max(
          1,
          Math.min(TARGET_STATEMENT_BYTES, d.server.maxAllowedPacket - PACKET_HEADROOM) - Buffer.byteLength(head) - Buffer.byteLength(tail),
        );
        const targetFields = (target ?? []).map((name) => model.field(name)!);
        const literals = rowLiterals(d, fields);
        // Built only when a full chunk exists; the same text for every chunk of this shape.
        let preparedSql = "";
        if (adapter.preparesBulk && rows.length >= maxRows) {
          const tuple = `(${fields.map(() => "?").join(", ")})`;
          preparedSql = `${head}${new Array<string>(maxRows).fill(tuple).join(", ")}${tail}`;
        }

        let next = 0;
        // A full chunk whose values fit the size budget, with bound values.
        const prepared = (): Chunk | undefined => {
          const start = next;
          const end = start + maxRows;
          if (preparedSql === "" || end > rows.length) return undefined;
          const params: unknown[] = [];
          let bytes = 0;
          for (let i = start; i < end; i++) bytes += pushValues(literals, rows[i]!, params);
          if (bytes > maxBytes) return undefined;
          next = end;
          return { sql: preparedSql, params, start, end };
        };
        // Whole rows as literals, cut by row count and size; a row that alone exceeds the size
        // budget still goes (alone), and the server rejects it if it tops max_allowed_packet.
        const literal = (): Chunk => {
          const start = next;
          let values = "";
          let bytes = 0;
          while (next < rows.length && next - start < maxRows) {
            const tuple = tupleOf(literals, rows[next]!);
            const size = Buffer.byteLength(tuple) + 2;
            if (next > start && bytes + size > maxBytes) break;
            values += next > start ? `, ${tuple}` : tuple;
            bytes += size;
            next++;
          }
          return { sql: `${head}${values}${tail}`, params: undefined, start, end: next };
        };
        const build = (): Chunk | undefined => (next >= rows.length ? undefined : (prepared() ?? literal()));

        let chunk = build();
        while (chunk) {
          const sent = chunk.params ? adapter.preparedStatement(ctx, chunk.sql, chunk.params) : adapter.literalStatement(ctx, chunk.sql);
          // The next statement is built while the server runs this one.
          const following = build();
          const result = await sent;
          const count = chunk.end - chunk.start;
          const counts = countChunk(mode, count, result);
          if (guard.length > 0 && counts.inserted < count) {
            const written = rows.slice(chunk.start, chunk.end).map((values) => rowObject(fields, values));
            const missing = await rowsMissingTarget(adapter, ctx, model, targetFields, written);
            if (missing.length > 0) throw await collisionError(adapter, ctx, model, guard, missing);
          }
          totals.inserted += counts.inserted;
          totals.skipped += counts.skipped;
          totals.updated += counts.updated;
          done += count;
          progress?.report(done);
          chunk = following;
        }
      }
    },
    {},
    ctx,
  );
  return totals;
}
