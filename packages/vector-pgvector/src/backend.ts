import type { ListOperation, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import { Params, columnList, compileFilter, tableReference } from "@dataflow/sql-core";
import type { VectorBackend, VectorQuery } from "@dataflow/vector-core";
import { DISTANCES, DISTANCE_COLUMN, SCORE_COLUMN, decodeScoredRows } from "@dataflow/vector-core";
import { DEFAULT_TEXT_CONFIG, createVectorIndex, tsvector } from "./ddl.js";
import { DISTANCE_OPERATOR, vectorType } from "./dialect.js";
import { quoteLiteral } from "@dataflow/sql-postgres";



/**
 * The nearest-neighbour statement. `exact` orders by an expression no index matches, so PostgreSQL
 * scans the rows the filter selects and sorts them: the fallback when an index scan found fewer
 * than k rows.
 */
function searchStatement(adapter: DatabaseAdapter, op: ListOperation, fields: readonly ModelField[], q: VectorQuery, exact: boolean): { text: string; values: unknown[] } {
  const d = adapter.dialect;
  const params = new Params(d);
  const vector = `${params.add(JSON.stringify(q.vector))}::${vectorType(q.field)}`;
  const distance = `(${d.quote(q.field.name)} ${DISTANCE_OPERATOR[q.distance]} ${vector})`;
  const conditions = [`${d.quote(q.field.name)} IS NOT NULL`];
  if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
  if (q.maxDistance !== undefined) conditions.push(`${distance} <= ${params.add(q.maxDistance)}`);
  const text =
    `SELECT ${columnList(d, fields)}, ${distance} AS ${d.quote(DISTANCE_COLUMN)} FROM ${tableReference(d, op.model)}` +
    ` WHERE ${conditions.join(" AND ")} ORDER BY ${distance}${exact ? " + 0" : ""} LIMIT ${params.add(q.k)}`;
  return { text, values: params.values };
}

async function searchOnce(adapter: DatabaseAdapter, exec: SqlExecutor, op: ListOperation, fields: readonly ModelField[], q: VectorQuery): Promise<Record<string, unknown>[]> {
  const approximate = searchStatement(adapter, op, fields, q, false);
  const { rows } = await exec.query(approximate.text, approximate.values);
  if (rows.length >= q.k) return rows;
  // An index scan may stop before k rows pass a selective filter (hnsw.max_scan_tuples, IVFFlat
  // probes): the exact statement returns every row there is.
  const exact = searchStatement(adapter, op, fields, q, true);
  return (await exec.query(exact.text, exact.values)).rows;
}

/** pgvector: `<=>`, `<->`, `<#>` with HNSW/IVFFlat indexes; full text with tsvector/ts_rank. */
export const pgvectorBackend: VectorBackend = {
  name: "@dataflow/vector-pgvector",
  distances: DISTANCES,

  async search(adapter, exec, op, fields, q, ctx) {
    let rows: Record<string, unknown>[];
    if (q.efSearch === undefined && q.probes === undefined) {
      rows = await searchOnce(adapter, exec, op, fields, q);
    } else {
      // Per-query index settings are transaction-local (a savepoint inside a run's transaction).
      rows = await adapter.transaction(async (tx) => {
        const before = (await tx.query("SELECT current_setting('hnsw.ef_search', true) AS ef, current_setting('ivfflat.probes', true) AS probes", [])).rows[0]!;
        const set = async (ef: unknown, probes: unknown) => {
          await tx.query("SELECT set_config('hnsw.ef_search', $1, true), set_config('ivfflat.probes', $2, true)", [String(ef ?? 40), String(probes ?? 1)]);
        };
        await set(q.efSearch ?? before.ef, q.probes ?? before.probes);
        const found = await searchOnce(adapter, tx, op, fields, q);
        await set(before.ef, before.probes);
        return found;
      }, {}, ctx);
    }
    return decodeScoredRows(adapter, op, fields, rows, DISTANCE_COLUMN, "distance");
  },

  async textSearch(adapter, exec, op, fields, q) {
    const d = adapter.dialect;
    const params = new Params(d);
    const config = `${quoteLiteral(q.language ?? DEFAULT_TEXT_CONFIG)}::regconfig`;
    // Any word may match (OR), as in a search box; ts_rank orders the matches.
    const query = `replace(plainto_tsquery(${config}, ${params.add(q.text)})::text, '&', '|')::tsquery`;
    const document = tsvector(adapter, q.field, q.language ?? DEFAULT_TEXT_CONFIG);
    const conditions = [`${document} @@ ${query}`];
    if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
    const text =
      `SELECT ${columnList(d, fields)}, ts_rank(${document}, ${query}) AS ${d.quote(SCORE_COLUMN)} FROM ${tableReference(d, op.model)}` +
      ` WHERE ${conditions.join(" AND ")} ORDER BY ${d.quote(SCORE_COLUMN)} DESC, ${d.quote(op.model.primaryKey.name)} LIMIT ${params.add(q.limit)}`;
    const { rows } = await exec.query(text, params.values);
    return decodeScoredRows(adapter, op, fields, rows, SCORE_COLUMN, "textScore");
  },

  createIndex(adapter, op, index, ctx) {
    return createVectorIndex(adapter, adapter.executorFor(ctx), op.model, index);
  },
};
