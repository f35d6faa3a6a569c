import type { ListOperation, ModelField, RowData } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import { Params, compileFilter, tableReference } from "@dataflow/sql-core";
import type { VectorBackend, VectorQuery } from "@dataflow/vector-core";
import { DISTANCES, DISTANCE_COLUMN, SCORE_COLUMN, decodeScoredRows } from "@dataflow/vector-core";
import { PgVectorAdapter } from "./adapter.js";
import { DEFAULT_TEXT_CONFIG, createVectorIndex, tsvector } from "./ddl.js";
import { DISTANCE_OPERATOR, searchColumn, vectorArgument, vectorParameter } from "./dialect.js";
import { quoteLiteral } from "@dataflow/sql-postgres";

/** Unfiltered search statements by field list (one per model and selection, see vector-core) and shape. */
const unfilteredStatements = new WeakMap<readonly ModelField[], Map<string, string>>();

const SETTINGS = [
  { key: "efSearch", name: "hnsw.ef_search" },
  { key: "probes", name: "ivfflat.probes" },
] as const;

/** Behind PgBouncer the connections have no session options (see adapter.ts): the iterative scan mode goes into the statement. */
const POOLED_SETTINGS = [{ name: "hnsw.iterative_scan", value: "strict_order" }] as const;
const DEFAULTS: Readonly<Record<string, string>> = { "hnsw.ef_search": "40", "ivfflat.probes": "1", "hnsw.iterative_scan": "off" };

/** The per-query index settings `q` gives, as `set_config` values (text), and the scan mode behind a pooler. */
function givenSettings(adapter: DatabaseAdapter, q: VectorQuery): Array<{ name: string; value: string }> {
  const given: Array<{ name: string; value: string }> = adapter instanceof PgVectorAdapter && adapter.behindPooler ? [...POOLED_SETTINGS] : [];
  for (const s of SETTINGS) if (q[s.key] !== undefined) given.push({ name: s.name, value: String(q[s.key]) });
  return given;
}

/**
 * The nearest-neighbour statement. `exact` orders by an expression no index matches, so PostgreSQL
 * scans the rows the filter selects and sorts them: the fallback when an index scan found fewer
 * than k rows. Without a filter the text depends only on the shape of the query, so it is built
 * once per shape: the same string object each time, whose hash the prepared-statement lookup has
 * already computed. `settings` (see `settingArgument`) go into the approximate statement only.
 */
function searchStatement(
  adapter: DatabaseAdapter,
  op: ListOperation,
  fields: readonly ModelField[],
  q: VectorQuery,
  exact: boolean,
  settings: ReadonlyArray<{ name: string; value: string }>,
): { text: string; values: unknown[] } {
  const vector = vectorParameter(q.vector);
  const inline = exact ? [] : settings;
  if (op.where.t === "const" && op.where.value) {
    const key = `${q.field.name}\0${q.distance}\0${q.maxDistance === undefined ? "" : "max"}\0${exact ? "exact" : ""}\0${inline.map((s) => s.name).join(",")}`;
    let shapes = unfilteredStatements.get(fields);
    if (!shapes) unfilteredStatements.set(fields, (shapes = new Map()));
    let text = shapes.get(key);
    if (text === undefined) {
      text = buildStatement(adapter, op, fields, q, exact, inline, new Params(adapter.dialect), vector).text;
      if (shapes.size < 64) shapes.set(key, text);
    }
    // The order buildStatement adds them in: vector, settings, maxDistance, k.
    const values: unknown[] = [vector];
    for (const s of inline) values.push(s.value);
    if (q.maxDistance !== undefined) values.push(q.maxDistance);
    values.push(q.k);
    return { text, values };
  }
  return buildStatement(adapter, op, fields, q, exact, inline, new Params(adapter.dialect), vector);
}

/**
 * The query vector as the ordering argument. With per-query settings it is a scalar subquery that
 * applies them first (`set_config(..., is_local)`): PostgreSQL runs it as an init plan when the
 * index scan evaluates its ordering key, before the scan reads `hnsw.ef_search` / `ivfflat.probes`.
 * Outside a transaction block the statement is its own transaction, so the settings end with it:
 * one round trip, nothing left on the pooled connection, and one transaction behind PgBouncer's
 * transaction pooling.
 */
function settingArgument(argument: string, settings: ReadonlyArray<{ name: string; value: string }>, params: Params): string {
  if (settings.length === 0) return argument;
  const applied = settings.map((s) => `set_config('${s.name}', ${params.add(s.value)}, true) IS NOT NULL`).join(" AND ");
  return `(SELECT ${argument} WHERE ${applied})`;
}

function buildStatement(
  adapter: DatabaseAdapter,
  op: ListOperation,
  fields: readonly ModelField[],
  q: VectorQuery,
  exact: boolean,
  settings: ReadonlyArray<{ name: string; value: string }>,
  params: Params,
  vector: Buffer,
): { text: string; values: unknown[] } {
  const d = adapter.dialect;
  const argument = settingArgument(vectorArgument(params.add(vector), q.field), settings, params);
  const distance = `(${d.quote(q.field.name)} ${DISTANCE_OPERATOR[q.distance]} ${argument})`;
  const conditions = [`${d.quote(q.field.name)} IS NOT NULL`];
  if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
  if (q.maxDistance !== undefined) conditions.push(`${distance} <= ${params.add(q.maxDistance)}`);
  const text =
    `SELECT ${fields.map((f) => searchColumn(d, f)).join(", ")}, ${distance} AS ${d.quote(DISTANCE_COLUMN)} FROM ${tableReference(d, op.model)}` +
    ` WHERE ${conditions.join(" AND ")} ORDER BY ${distance}${exact ? " + 0" : ""} LIMIT ${params.add(q.k)}`;
  return { text, values: params.values };
}

/** Filtered rows PostgreSQL may sort exactly instead of walking the ANN index (see `exactIsCheap`). */
export const EXACT_SCAN_MAX_ROWS = 5000;

interface PlanNode {
  readonly "Node Type": string;
  readonly "Plan Rows"?: number;
  readonly Plans?: readonly PlanNode[];
}

/**
 * True when the exact statement's plan reaches the filtered rows without a sequential scan (a
 * btree or other index on the filter) and expects at most EXACT_SCAN_MAX_ROWS of them to sort.
 * An ANN index walk past many rows the filter rejects (a selective filter, pgvector's iterative
 * scan) costs more than fetching and sorting those few rows.
 */
async function exactIsCheap(exec: SqlExecutor, exact: { text: string; values: unknown[] }): Promise<boolean> {
  const { rows } = await exec.query(`EXPLAIN (FORMAT JSON) ${exact.text}`, exact.values);
  const raw = rows[0]?.["QUERY PLAN"];
  const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
  let sorted: number | undefined;
  let sequential = false;
  const visit = (node: PlanNode) => {
    if (node["Node Type"] === "Seq Scan") sequential = true;
    if (sorted === undefined && node["Node Type"] === "Sort") sorted = node.Plans?.[0]?.["Plan Rows"];
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan[0]!.Plan);
  return !sequential && sorted !== undefined && sorted <= EXACT_SCAN_MAX_ROWS;
}

async function searchOnce(
  adapter: DatabaseAdapter,
  exec: SqlExecutor,
  op: ListOperation,
  fields: readonly ModelField[],
  q: VectorQuery,
  settings: ReadonlyArray<{ name: string; value: string }>,
): Promise<Record<string, unknown>[]> {
  const filtered = !(op.where.t === "const" && op.where.value);
  const exact = () => searchStatement(adapter, op, fields, q, true, settings);
  if (filtered) {
    const statement = exact();
    if (await exactIsCheap(exec, statement)) return (await exec.query(statement.text, statement.values)).rows;
  }
  const approximate = searchStatement(adapter, op, fields, q, false, settings);
  const { rows } = await exec.query(approximate.text, approximate.values);
  if (rows.length >= q.k) return rows;
  // An index scan may stop before k rows pass a selective filter (hnsw.max_scan_tuples, IVFFlat
  // probes): the exact statement returns every row there is.
  const statement = exact();
  return (await exec.query(statement.text, statement.values)).rows;
}

/**
 * A search with per-query settings inside a run's transaction: the statement's transaction-local
 * settings would last until that transaction ends, so the values from before are put back after it.
 * (A failed statement aborts the transaction, whose rollback discards the settings too.)
 */
async function searchInTransaction(
  adapter: DatabaseAdapter,
  exec: SqlExecutor,
  op: ListOperation,
  fields: readonly ModelField[],
  q: VectorQuery,
  settings: ReadonlyArray<{ name: string; value: string }>,
): Promise<Record<string, unknown>[]> {
  const before = (await exec.query(`SELECT ${settings.map((s, i) => `current_setting('${s.name}', true) AS s${i}`).join(", ")}`, [])).rows[0]!;
  const rows = await searchOnce(adapter, exec, op, fields, q, settings);
  await exec.query(
    `SELECT ${settings.map((s, i) => `set_config('${s.name}', $${i + 1}, true)`).join(", ")}`,
    settings.map((s, i) => String(before[`s${i}`] ?? DEFAULTS[s.name])),
  );
  return rows;
}

/** pgvector: `<=>`, `<->`, `<#>` with HNSW/IVFFlat indexes; full text with tsvector/ts_rank. */
export const pgvectorBackend: VectorBackend = {
  name: "@dataflow/vector-pgvector",
  distances: DISTANCES,

  async search(adapter, exec, op, fields, q, ctx) {
    const settings = givenSettings(adapter, q);
    const rows =
      settings.length > 0 && adapter.transactionFor(ctx) !== undefined
        ? await searchInTransaction(adapter, exec, op, fields, q, settings)
        : await searchOnce(adapter, exec, op, fields, q, settings);
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
      `SELECT ${fields.map((f) => searchColumn(d, f)).join(", ")}, ts_rank(${document}, ${query}) AS ${d.quote(SCORE_COLUMN)} FROM ${tableReference(d, op.model)}` +
      ` WHERE ${conditions.join(" AND ")} ORDER BY ${d.quote(SCORE_COLUMN)} DESC, ${d.quote(op.model.primaryKey.name)} LIMIT ${params.add(q.limit)}`;
    const { rows } = await exec.query(text, params.values);
    return decodeScoredRows(adapter, op, fields, rows, SCORE_COLUMN, "textScore");
  },

  async prepareTable(adapter, model) {
    if (!(adapter instanceof PgVectorAdapter)) return;
    await adapter.withSchemaConnection((exec) => adapter.ensureVectorIndexes(model, exec));
  },

  createIndex(adapter, op, index, ctx) {
    return createVectorIndex(adapter, adapter.executorFor(ctx), op.model, index);
  },
};
