import type { BulkCreateOperation, BulkUpsertOperation, FilterNode, ListOperation, Model, ModelField, RowData, UpsertOperation } from "@dataflow/kernel/plugin";
import { DELETED_AT } from "@dataflow/kernel/plugin";
import type { RowDecoder } from "./codec.js";
import { rowDecoder } from "./codec.js";
import type { Dialect } from "./dialect.js";
import { tableReference } from "./dialect.js";
import { Params, columnList, compileFilter, keysetFilter, orderByClause, whereClause } from "./compile.js";
import { Recent, filterShape, filterValues, keysetShape, orderShape, sameFilterShape, sameKeyset, sameOrder, shapesOf } from "./shape.js";
import type { PreparedSlot } from "./driver.js";

/**
 * The compile step of the pipeline: operation parts -> statements, each with the decoder of its
 * rows. Pure: a dialect and a model in, text and bind values out; no adapter, no connection, no
 * database name. The executor (`execute.ts`) runs these on the session's connection.
 */
export interface Statement {
  readonly text: string;
  readonly params: unknown[];
  /** Decodes one driver row in place into canonical JS values; undefined when the rows carry no model fields. */
  readonly decode?: RowDecoder | undefined;
  /** The same object on every run of this text: where a synchronous driver keeps its prepared statement (see `PreparedSlot`). */
  readonly slot?: PreparedSlot | undefined;
}

/** SQL text that depends only on (dialect, model, kind): built once, then the same string object every call. */
const fixedText = new WeakMap<Dialect, WeakMap<Model, Map<string, string>>>();

function cachedText(dialect: Dialect, model: Model, kind: string, build: () => string): string {
  let perDialect = fixedText.get(dialect);
  if (!perDialect) fixedText.set(dialect, (perDialect = new WeakMap()));
  let perModel = perDialect.get(model);
  if (!perModel) perDialect.set(model, (perModel = new Map()));
  let text = perModel.get(kind);
  if (text === undefined) perModel.set(kind, (text = build()));
  return text;
}

/** A compiled statement: what its shape decides (see `shape.ts`), and the driver's slot for its prepared form. */
interface Compiled extends PreparedSlot {
  readonly text: string;
  readonly decode: RowDecoder | undefined;
  readonly extra: readonly string[] | undefined;
}

/** An INSERT of one fixed column list. */
interface InsertPlan extends Compiled {
  readonly fields: readonly ModelField[];
}

function compiledOf(text: string, decode?: RowDecoder, extra?: readonly string[]): Compiled {
  return { text, decode, extra, owner: undefined, handle: undefined };
}

/** Longest SQL text the shape cache keeps, so that its 128 shapes per model stay small in memory. */
export const MAX_CACHED_TEXT = 16_384;

/** What an Update's shape was compiled from: the assigned names, which of them were NULL (a copy), and the filter. */
interface UpdateProbe {
  readonly names: readonly string[];
  readonly nulls: readonly boolean[];
  readonly where: FilterNode;
}

/** This run's Update parts, compared with the probes. */
interface UpdateRun {
  readonly names: readonly string[];
  readonly fields: RowData;
  readonly where: FilterNode;
}

/** What a List's shape is compiled from (a copy of the operation's parts, not the operation). */
type ListProbe = Pick<ListOperation, "where" | "orderBy" | "limit" | "offset" | "after" | "select">;

/**
 * The statements of one (dialect, model): texts that depend on nothing else (Read by key, full-row
 * INSERTs) compiled on first use, and the recent shapes of the filter-based kinds (see `Recent`).
 */
class ModelStatements {
  readonly full: RowDecoder;
  read: Compiled | undefined;
  readLive: Compiled | undefined;
  insert: InsertPlan | undefined;
  insertAuto: InsertPlan | undefined;
  readonly one = new Recent<FilterNode, Compiled>();
  readonly keys = new Recent<FilterNode, Compiled>();
  readonly count = new Recent<FilterNode, Compiled>();
  readonly remove = new Recent<FilterNode, Compiled>();
  readonly update = new Recent<UpdateProbe, Compiled>();
  readonly updateReturning = new Recent<UpdateProbe, Compiled>();
  readonly list = new Recent<ListProbe, Compiled>();

  constructor(d: Dialect, model: Model) {
    this.full = rowDecoder(d, model, model.fields);
    this.read = undefined;
    this.readLive = undefined;
    this.insert = undefined;
    this.insertAuto = undefined;
  }
}

const modelStatements = new WeakMap<Dialect, WeakMap<Model, ModelStatements>>();
/** The last pair asked for: consecutive statements of one model (a workflow's nodes) skip both lookups. */
let lastDialect: Dialect | undefined;
let lastModel: Model | undefined;
let lastStatements: ModelStatements | undefined;

function statementsOf(d: Dialect, model: Model): ModelStatements {
  if (d === lastDialect && model === lastModel) return lastStatements!;
  let perDialect = modelStatements.get(d);
  if (!perDialect) modelStatements.set(d, (perDialect = new WeakMap()));
  let found = perDialect.get(model);
  if (!found) perDialect.set(model, (found = new ModelStatements(d, model)));
  lastDialect = d;
  lastModel = model;
  lastStatements = found;
  return found;
}

function statementOf(compiled: Compiled, params: unknown[]): Statement {
  return { text: compiled.text, params, decode: compiled.decode, slot: compiled };
}

/**
 * The statement of shape `key` with this run's bind `values` (collected by the shape walk): compiled by
 * `build` on the first run of the shape, then taken from the (dialect, model) cache. A shape whose
 * compiled binds do not line up with the walk's, or whose text is longer than `MAX_CACHED_TEXT`
 * (an IN list of thousands of placeholders), is compiled every run instead of cached (`cached` false).
 */
function shaped(
  d: Dialect,
  model: Model,
  key: string,
  values: unknown[],
  build: (params: Params) => Compiled,
): { compiled: Compiled; params: unknown[]; cached: boolean } {
  const cache = shapesOf<Compiled>(d, model);
  const hit = cache.get(key);
  if (hit !== undefined) return { compiled: hit, params: values, cached: true };
  const params = new Params(d);
  const compiled = build(params);
  const cached = compiled.text.length <= MAX_CACHED_TEXT && sameBinds(values, params.values);
  if (cached) cache.set(key, compiled);
  return { compiled, params: params.values, cached };
}

/** True when two bind lists agree slot by slot (objects, such as encoded arrays, compare by kind only). */
export function sameBinds(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Object.is(x, y)) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  }
  return true;
}

/** The entry of the recent shape `arg` has, if any (`same` compares a probe with `arg`). */
function recentHit<P, A>(recent: Recent<P, Compiled>, same: (probe: P, arg: A, d: Dialect) => boolean, arg: A, d: Dialect): Compiled | undefined {
  const probes = recent.probes;
  for (let i = 0; i < probes.length; i++) if (same(probes[i]!, arg, d)) return recent.entries[i];
  return undefined;
}

type FilterBuild = (d: Dialect, model: Model, where: FilterNode, params: Params) => Compiled;

/**
 * A statement decided by its filter alone (Read/keys by filter, Count, Delete): a recent shape's
 * statement with this run's values, else the keyed cache (remembered as recent when cacheable).
 */
function byFilter(d: Dialect, model: Model, recent: Recent<FilterNode, Compiled>, kind: string, where: FilterNode, build: FilterBuild): Statement {
  const values: unknown[] = [];
  const hit = recentHit(recent, sameFilterShape, where, d);
  if (hit !== undefined) {
    filterValues(where, d, values);
    return statementOf(hit, values);
  }
  const { compiled, params, cached } = shaped(d, model, `${kind}|${filterShape(where, d, values)}`, values, (p) => build(d, model, where, p));
  if (cached) recent.remember(where, compiled);
  return statementOf(compiled, params);
}

function allColumns(d: Dialect, model: Model): string {
  return cachedText(d, model, "columns", () => columnList(d, model.fields));
}

/** The decoder of full rows of the model. */
export function fullRow(d: Dialect, model: Model): RowDecoder {
  return statementsOf(d, model).full;
}

/** Encoded values of `fields` taken from `row`. */
export function encodeRow(adapter: { readonly dialect: Dialect }, fields: readonly ModelField[], row: RowData): unknown[] {
  return encodeValues(adapter.dialect, fields, row);
}

function encodeValues(d: Dialect, fields: readonly ModelField[], row: RowData): unknown[] {
  const out = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = row[f.name];
    out[i] = v === null || v === undefined ? null : d.encode(f, v);
  }
  return out;
}

/** Columns present in the row, in model order. */
export function insertColumns(model: Model, row: RowData): ModelField[] {
  return model.fields.filter((f) => Object.hasOwn(row, f.name));
}

export function byKey(model: Model, key: unknown): FilterNode {
  return { t: "cmp", field: model.primaryKey, op: "=", value: key };
}

function readByKey(d: Dialect, model: Model, live: boolean): Compiled {
  const tail = live ? ` AND ${d.quote(DELETED_AT)} IS NULL` : "";
  const text = `SELECT ${allColumns(d, model)} FROM ${tableReference(d, model)} WHERE ${d.quote(model.primaryKey.name)} = ${d.placeholder(1)}${tail}${d.limitOffset("2", undefined)}`;
  return compiledOf(text, statementsOf(d, model).full);
}

const selectByFilter: FilterBuild = (d, model, where, p) =>
  compiledOf(`SELECT ${allColumns(d, model)} FROM ${tableReference(d, model)}${whereClause(where, d, p)}${d.limitOffset("2", undefined)}`, fullRow(d, model));

/** Full rows matching `where`, at most 2 (enough to tell one match from several). */
export function selectOne(d: Dialect, model: Model, where: FilterNode): Statement {
  const s = statementsOf(d, model);
  // `pk = value`, optionally AND `deleted_at IS NULL`: one text per model.
  if (where.t === "cmp" && where.field.primaryKey && where.op === "=") {
    return statementOf((s.read ??= readByKey(d, model, false)), [d.encode(model.primaryKey, where.value)]);
  }
  if (where.t === "and" && where.items.length === 2) {
    const a = where.items[0]!;
    const b = where.items[1]!;
    if (a.t === "cmp" && a.field.primaryKey && a.op === "=" && b.t === "null" && b.isNull && b.field.name === DELETED_AT) {
      return statementOf((s.readLive ??= readByKey(d, model, true)), [d.encode(model.primaryKey, a.value)]);
    }
  }
  return byFilter(d, model, s.one, "one", where, selectByFilter);
}

const keysByFilter: FilterBuild = (d, model, where, p) =>
  compiledOf(
    `SELECT ${d.quote(model.primaryKey.name)} FROM ${tableReference(d, model)}${whereClause(where, d, p)}${d.limitOffset("2", undefined)}${d.forUpdate}`,
    rowDecoder(d, model, [model.primaryKey]),
  );

/** Primary keys of the rows matching `where` (at most 2), locked for update inside a transaction. */
export function matchingKeys(d: Dialect, model: Model, where: FilterNode): Statement {
  return byFilter(d, model, statementsOf(d, model).keys, "keys", where, keysByFilter);
}

function insertPlan(d: Dialect, model: Model, fields: readonly ModelField[]): InsertPlan {
  const returning = d.insertReturning ?? d.returning;
  const placeholders = fields.map((_, i) => d.placeholder(i + 1)).join(", ");
  const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${placeholders})`;
  const text = returning ? `${head} RETURNING ${allColumns(d, model)}` : head;
  return { ...compiledOf(text, returning ? fullRow(d, model) : undefined), fields };
}

/** INSERT of one row; with RETURNING of the full row where the dialect has it. */
export function insertRow(d: Dialect, model: Model, data: RowData): Statement {
  const s = statementsOf(d, model);
  const withId = Object.hasOwn(data, model.primaryKey.name);
  const complete = Object.keys(data).length === model.fields.length - (withId ? 0 : 1);
  let plan: InsertPlan;
  if (complete && withId) plan = s.insert ??= insertPlan(d, model, model.fields);
  else if (complete && model.primaryKey.autoIncrement) plan = s.insertAuto ??= insertPlan(d, model, model.fields.slice(1));
  else plan = partialInsert(d, model, insertColumns(model, data));
  return statementOf(plan, encodeValues(d, plan.fields, data));
}

/** The INSERT of a partial row, cached by its column list. */
function partialInsert(d: Dialect, model: Model, fields: readonly ModelField[]): InsertPlan {
  let key = "insert|";
  for (const f of fields) key += `${f.name},`;
  const cache = shapesOf<InsertPlan>(d, model);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const plan = insertPlan(d, model, fields);
  if (plan.text.length <= MAX_CACHED_TEXT) cache.set(key, plan);
  return plan;
}

function sameUpdate(probe: UpdateProbe, run: UpdateRun, d: Dialect): boolean {
  const names = run.names;
  if (probe.names.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (probe.names[i] !== name || probe.nulls[i] !== (run.fields[name] === null)) return false;
  }
  return sameFilterShape(probe.where, run.where, d);
}

/** UPDATE of the rows matching `where`; with RETURNING of the full rows where the dialect has it and `returning` asks. */
export function updateRows(d: Dialect, model: Model, where: FilterNode, fields: RowData, returning: boolean): Statement {
  const withRows = returning && d.returning;
  const s = statementsOf(d, model);
  const recent = withRows ? s.updateReturning : s.update;
  const names = Object.keys(fields);
  const values: unknown[] = [];
  for (const name of names) {
    const v = fields[name];
    values.push(v === null ? null : d.encode(model.field(name)!, v));
  }
  const run: UpdateRun = { names, fields, where };
  const hit = recentHit(recent, sameUpdate, run, d);
  if (hit !== undefined) {
    filterValues(where, d, values);
    return statementOf(hit, values);
  }
  let key = withRows ? "update-returning|" : "update|";
  for (const name of names) key += fields[name] === null ? `${name}N,` : `${name}?,`;
  key += `|${filterShape(where, d, values)}`;
  const { compiled, params, cached } = shaped(d, model, key, values, (params) => {
    const set = names.map((name) => `${d.quote(name)} = ${params.field(model.field(name)!, fields[name])}`);
    const text = `UPDATE ${tableReference(d, model)} SET ${set.join(", ")}${whereClause(where, d, params)}`;
    return withRows ? compiledOf(`${text} RETURNING ${allColumns(d, model)}`, fullRow(d, model)) : compiledOf(text);
  });
  if (cached) recent.remember({ names, nulls: names.map((name) => fields[name] === null), where }, compiled);
  return statementOf(compiled, params);
}

function softDeleteFields(model: Model, now: Date): RowData {
  return model.timestamps ? { deleted_at: now, updated_at: now } : { deleted_at: now };
}

const deleteByFilter: FilterBuild = (d, model, where, p) => compiledOf(`DELETE FROM ${tableReference(d, model)}${whereClause(where, d, p)}`);

/** DELETE of the rows matching `where`, or their tombstones (`deleted_at`) on a soft-delete model. */
export function deleteRows(d: Dialect, model: Model, where: FilterNode, soft: boolean, now: Date): Statement {
  if (soft) return updateRows(d, model, where, softDeleteFields(model, now), false);
  return byFilter(d, model, statementsOf(d, model).remove, "delete", where, deleteByFilter);
}

const countByFilter: FilterBuild = (d, model, where, p) => compiledOf(`SELECT COUNT(*) AS n FROM ${tableReference(d, model)}${whereClause(where, d, p)}`);

export function countRows(d: Dialect, model: Model, where: FilterNode): Statement {
  return byFilter(d, model, statementsOf(d, model).count, "count", where, countByFilter);
}

function sameSelect(a: readonly ModelField[] | undefined, b: readonly ModelField[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name) return false;
  return true;
}

function sameList(probe: ListProbe, op: ListOperation, d: Dialect): boolean {
  return (
    (probe.limit === undefined) === (op.limit === undefined) &&
    (probe.offset === undefined) === (op.offset === undefined) &&
    sameOrder(probe.orderBy, op.orderBy) &&
    sameKeyset(probe.after, op.after) &&
    sameSelect(probe.select, op.select) &&
    sameFilterShape(probe.where, op.where, d)
  );
}

/** A List's SELECT. `extra`: order columns selected only to build the next cursor, removed from the result rows. */
export function listRows(d: Dialect, op: ListOperation): Statement & { readonly decode: RowDecoder; readonly extra: readonly string[] } {
  const model = op.model;
  const recent = statementsOf(d, model).list;
  const values: unknown[] = [];
  const filtered = !(op.where.t === "const" && op.where.value);
  const hit = recentHit(recent, sameList, op, d);
  if (hit !== undefined) {
    if (filtered) filterValues(op.where, d, values);
    if (op.after) keysetShape(op.orderBy, op.after, d, values);
    if (op.limit !== undefined) values.push(op.limit);
    if (op.offset !== undefined) values.push(op.offset);
    return listStatement(hit, values);
  }
  let key = "list|";
  if (filtered) key += filterShape(op.where, d, values);
  if (op.after) key += `|after:${keysetShape(op.orderBy, op.after, d, values)}`;
  key += `|order:${orderShape(op.orderBy)}|select:`;
  if (op.select) for (const f of op.select) key += `${f.name},`;
  else key += "*";
  if (op.limit !== undefined) {
    values.push(op.limit);
    key += "|limit";
  }
  if (op.offset !== undefined) {
    values.push(op.offset);
    key += "|offset";
  }
  const { compiled, params, cached } = shaped(d, model, key, values, (params) => compileList(d, op, params));
  if (cached) {
    const { where, orderBy, limit, offset, after, select } = op;
    recent.remember({ where, orderBy, limit, offset, after, select }, compiled);
  }
  return listStatement(compiled, params);
}

function listStatement(compiled: Compiled, params: unknown[]): Statement & { readonly decode: RowDecoder; readonly extra: readonly string[] } {
  return { text: compiled.text, params, decode: compiled.decode!, slot: compiled, extra: compiled.extra! };
}

function compileList(d: Dialect, op: ListOperation, params: Params): Compiled {
  const model = op.model;
  const conditions: string[] = [];
  if (!(op.where.t === "const" && op.where.value)) conditions.push(compileFilter(op.where, d, params));
  if (op.after) conditions.push(keysetFilter(op.orderBy, op.after, d, params));
  let fields: readonly ModelField[] = model.fields;
  let extra: string[] = [];
  if (op.select) {
    const chosen = new Set(op.select.map((f) => f.name));
    extra = op.limit !== undefined ? op.orderBy.map((t) => t.field.name).filter((n) => !chosen.has(n)) : [];
    const wanted = new Set([...chosen, ...extra]);
    fields = model.fields.filter((f) => wanted.has(f.name));
  }
  const limit = op.limit === undefined ? undefined : params.add(op.limit);
  const offset = op.offset === undefined ? undefined : params.add(op.offset);
  const text =
    `SELECT ${op.select ? columnList(d, fields) : allColumns(d, model)} FROM ${tableReference(d, model)}` +
    `${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""}${orderByClause(op.orderBy, d)}${d.limitOffset(limit, offset)}`;
  const decode = op.select ? rowDecoder(d, model, fields) : fullRow(d, model);
  return compiledOf(text, decode, extra);
}

/** The rows an Upsert's conflict key matches. */
export function conflictTarget(op: UpsertOperation): FilterNode {
  const model = op.model;
  return {
    t: "and",
    items: op.conflictOn.map((name) => ({ t: "cmp", field: model.field(name)!, op: "=", value: op.create[name] }) as FilterNode),
  };
}

/**
 * A single-statement Upsert, for the dialects whose `upsertStrategy` has one: `returning-inserted-flag`
 * returns the full row plus `df_inserted` (removed by `decode`); `on-duplicate-key` returns no rows.
 */
export function upsertOne(d: Dialect, op: UpsertOperation): Statement {
  const model = op.model;
  const fields = insertColumns(model, op.create);
  const params = new Params(d);
  const values = encodeRow({ dialect: d }, fields, op.create).map((v) => params.add(v));
  const updateNames = Object.keys(op.update);
  const set = updateNames.length
    ? updateNames.map((n) => `${d.quote(n)} = ${params.field(model.field(n)!, op.update[n])}`)
    : [`${d.quote(op.conflictOn[0]!)} = ${d.quote(model.table)}.${d.quote(op.conflictOn[0]!)}`];
  const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${values.join(", ")})`;
  if (d.upsertStrategy === "returning-inserted-flag") {
    const text = `${head} ON CONFLICT (${op.conflictOn.map((c) => d.quote(c)).join(", ")}) DO UPDATE SET ${set.join(", ")} RETURNING ${allColumns(d, model)}, ${d.insertedFlag} AS df_inserted`;
    const decodeRow = fullRow(d, model);
    return { text, params: params.values, decode: (row) => decodeRow(row) };
  }
  return { text: `${head} ON DUPLICATE KEY UPDATE ${set.map((s) => s.replace(`${d.quote(model.table)}.`, "")).join(", ")}`, params: params.values };
}

/** How a batch of a bulk write resolves conflicts: `error`, `skip` or `update`. */
export type BulkMode = "error" | "skip" | "update";

export function bulkMode(op: BulkCreateOperation | BulkUpsertOperation): BulkMode {
  return op.kind === "BulkUpsert" ? "update" : op.onConflict;
}

/** Rows per multi-row INSERT: the requested batch size, within the dialect's bind-parameter limit. */
export function batchSize(d: Dialect, requested: number | undefined, columns: number): number {
  const byParams = Math.max(1, Math.floor(d.maxBindParameters / Math.max(1, columns)));
  return Math.min(requested ?? 1000, byParams);
}

/**
 * A multi-row INSERT of `rows` (all carrying `fields`), with the conflict clause of `mode`; in
 * `update` mode on a dialect with an inserted flag, it returns one `df_inserted` per row.
 */
export function insertBatch(
  d: Dialect,
  op: BulkCreateOperation | BulkUpsertOperation,
  fields: readonly ModelField[],
  rows: readonly (readonly unknown[])[],
): Statement {
  const mode = bulkMode(op);
  const conflict = mode === "error" ? "" : ` ${d.conflictClause(op.conflictOn, mode === "update" ? op.updateFields : [], op.model.primaryKey.name)}`;
  const flag = mode === "update" && d.insertedFlag ? ` RETURNING ${d.insertedFlag} AS df_inserted` : "";
  const params = new Params(d);
  const tuples = rows.map(
    (values) => `(${fields.map((f, i) => params.add(values[i] === null || values[i] === undefined ? null : d.encode(f, values[i]))).join(", ")})`,
  );
  return { text: `INSERT INTO ${tableReference(d, op.model)} (${columnList(d, fields)}) VALUES ${tuples.join(", ")}${conflict}${flag}`, params: params.values };
}
