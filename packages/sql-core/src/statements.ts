import type { BulkCreateOperation, BulkUpsertOperation, FilterNode, ListOperation, Model, ModelField, RowData, UpsertOperation } from "@dataflow/kernel/plugin";
import { DELETED_AT } from "@dataflow/kernel/plugin";
import type { RowDecoder } from "./codec.js";
import { rowDecoder } from "./codec.js";
import type { Dialect } from "./dialect.js";
import { tableReference } from "./dialect.js";
import { Params, columnList, compileFilter, keysetFilter, orderByClause, whereClause } from "./compile.js";
import { filterShape, keysetShape, orderShape, shapesOf } from "./shape.js";

/**
 * The compile step of the pipeline: operation parts -> statements, each with the decoder of its
 * rows. Pure: a dialect and a model in, text and bind values out; no adapter, no connection, no
 * database name. The executor (`execute.ts`) runs these on the session's connection.
 */
export interface Statement {
  readonly text: string;
  readonly params: unknown[];
  /** Decodes one driver row in place into canonical JS values; undefined when the rows carry no model fields. */
  readonly decode?: RowDecoder;
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

/** The parts of a compiled statement that its shape decides (see `shape.ts`). */
interface Compiled {
  readonly text: string;
  readonly decode?: RowDecoder;
  readonly extra?: readonly string[];
}

/** Longest SQL text the shape cache keeps, so that its 128 shapes per model stay small in memory. */
export const MAX_CACHED_TEXT = 16_384;

interface Shaped {
  readonly text: string;
  readonly params: unknown[];
  readonly decode: RowDecoder | undefined;
  readonly extra: readonly string[] | undefined;
}

/**
 * The statement of shape `key` with this run's bind `values` (collected by the shape walk): compiled by
 * `build` on the first run of the shape, then taken from the (dialect, model) cache. A shape whose
 * compiled binds do not line up with the walk's, or whose text is longer than `MAX_CACHED_TEXT`
 * (an IN list of thousands of placeholders), is compiled every run instead of cached.
 */
function shaped(d: Dialect, model: Model, key: string, values: unknown[], build: (params: Params) => Compiled): Shaped {
  const cache = shapesOf<Compiled>(d, model);
  const hit = cache.get(key);
  if (hit !== undefined) return { text: hit.text, params: values, decode: hit.decode, extra: hit.extra };
  const params = new Params(d);
  const compiled = build(params);
  if (compiled.text.length <= MAX_CACHED_TEXT && sameBinds(values, params.values)) cache.set(key, compiled);
  return { text: compiled.text, params: params.values, decode: compiled.decode, extra: compiled.extra };
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

function allColumns(d: Dialect, model: Model): string {
  return cachedText(d, model, "columns", () => columnList(d, model.fields));
}

/** The decoder of full rows of the model. */
export function fullRow(d: Dialect, model: Model): RowDecoder {
  return rowDecoder(d, model, model.fields);
}

/** Encoded values of `fields` taken from `row`. */
export function encodeRow(adapter: { readonly dialect: Dialect }, fields: readonly ModelField[], row: RowData): unknown[] {
  const d = adapter.dialect;
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

/** The primary-key value when `where` is exactly `pk = value` (optionally AND `deleted_at IS NULL`). */
function keyLookup(where: FilterNode): { value: unknown; live: boolean } | undefined {
  if (where.t === "cmp" && where.field.primaryKey && where.op === "=") return { value: where.value, live: false };
  if (where.t === "and" && where.items.length === 2) {
    const [a, b] = where.items;
    if (a!.t === "cmp" && a!.field.primaryKey && a!.op === "=" && b!.t === "null" && b!.isNull && b!.field.name === DELETED_AT) {
      return { value: a!.value, live: true };
    }
  }
  return undefined;
}

/** Full rows matching `where`, at most 2 (enough to tell one match from several). */
export function selectOne(d: Dialect, model: Model, where: FilterNode): Statement {
  const decode = fullRow(d, model);
  const key = keyLookup(where);
  if (key) {
    const text = cachedText(d, model, key.live ? "read-live" : "read", () => {
      const live = key.live ? ` AND ${d.quote(DELETED_AT)} IS NULL` : "";
      return `SELECT ${allColumns(d, model)} FROM ${tableReference(d, model)} WHERE ${d.quote(model.primaryKey.name)} = ${d.placeholder(1)}${live}${d.limitOffset("2", undefined)}`;
    });
    return { text, params: [d.encode(model.primaryKey, key.value)], decode };
  }
  const values: unknown[] = [];
  const { text, params } = shaped(d, model, `one|${filterShape(where, d, values)}`, values, (p) => ({
    text: `SELECT ${allColumns(d, model)} FROM ${tableReference(d, model)}${whereClause(where, d, p)}${d.limitOffset("2", undefined)}`,
  }));
  return { text, params, decode };
}

/** Primary keys of the rows matching `where` (at most 2), locked for update inside a transaction. */
export function matchingKeys(d: Dialect, model: Model, where: FilterNode): Statement {
  const values: unknown[] = [];
  const { text, params } = shaped(d, model, `keys|${filterShape(where, d, values)}`, values, (p) => {
    const pk = d.quote(model.primaryKey.name);
    return { text: `SELECT ${pk} FROM ${tableReference(d, model)}${whereClause(where, d, p)}${d.limitOffset("2", undefined)}${d.forUpdate}` };
  });
  return { text, params, decode: rowDecoder(d, model, [model.primaryKey]) };
}

/** INSERT of one row; with RETURNING of the full row where the dialect has it. */
export function insertRow(d: Dialect, model: Model, data: RowData): Statement {
  const withId = Object.hasOwn(data, model.primaryKey.name);
  const complete = Object.keys(data).length === model.fields.length - (withId ? 0 : 1);
  const fields = complete && (withId || model.primaryKey.autoIncrement) ? (withId ? model.fields : model.fields.slice(1)) : insertColumns(model, data);
  const returning = d.insertReturning ?? d.returning;
  const build = () => {
    const placeholders = fields.map((_, i) => d.placeholder(i + 1)).join(", ");
    const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${placeholders})`;
    return returning ? `${head} RETURNING ${allColumns(d, model)}` : head;
  };
  const text = complete ? cachedText(d, model, withId ? "insert" : "insert-auto", build) : insertText(d, model, fields, build);
  const params = encodeRow({ dialect: d }, fields, data);
  return returning ? { text, params, decode: fullRow(d, model) } : { text, params };
}

/** The INSERT text of a partial row, cached by its column list. */
function insertText(d: Dialect, model: Model, fields: readonly ModelField[], build: () => string): string {
  let key = "insert|";
  for (const f of fields) key += `${f.name},`;
  const cache = shapesOf<Compiled>(d, model);
  const hit = cache.get(key);
  if (hit !== undefined) return hit.text;
  const text = build();
  if (text.length <= MAX_CACHED_TEXT) cache.set(key, { text });
  return text;
}

/** UPDATE of the rows matching `where`; with RETURNING of the full rows where the dialect has it and `returning` asks. */
export function updateRows(d: Dialect, model: Model, where: FilterNode, fields: RowData, returning: boolean): Statement {
  const withRows = returning && d.returning;
  const names = Object.keys(fields);
  const values: unknown[] = [];
  let key = withRows ? "update-returning|" : "update|";
  for (const name of names) {
    const v = fields[name];
    if (v === null) {
      values.push(null);
      key += `${name}N,`;
    } else {
      values.push(d.encode(model.field(name)!, v));
      key += `${name}?,`;
    }
  }
  key += `|${filterShape(where, d, values)}`;
  const statement = shaped(d, model, key, values, (params) => {
    const set = names.map((name) => `${d.quote(name)} = ${params.field(model.field(name)!, fields[name])}`);
    const text = `UPDATE ${tableReference(d, model)} SET ${set.join(", ")}${whereClause(where, d, params)}`;
    return withRows ? { text: `${text} RETURNING ${allColumns(d, model)}`, decode: fullRow(d, model) } : { text };
  });
  return statement.decode ? { text: statement.text, params: statement.params, decode: statement.decode } : { text: statement.text, params: statement.params };
}

function softDeleteFields(model: Model, now: Date): RowData {
  return model.timestamps ? { deleted_at: now, updated_at: now } : { deleted_at: now };
}

/** DELETE of the rows matching `where`, or their tombstones (`deleted_at`) on a soft-delete model. */
export function deleteRows(d: Dialect, model: Model, where: FilterNode, soft: boolean, now: Date): Statement {
  if (soft) return updateRows(d, model, where, softDeleteFields(model, now), false);
  const values: unknown[] = [];
  const { text, params } = shaped(d, model, `delete|${filterShape(where, d, values)}`, values, (p) => ({
    text: `DELETE FROM ${tableReference(d, model)}${whereClause(where, d, p)}`,
  }));
  return { text, params };
}

export function countRows(d: Dialect, model: Model, where: FilterNode): Statement {
  const values: unknown[] = [];
  const { text, params } = shaped(d, model, `count|${filterShape(where, d, values)}`, values, (p) => ({
    text: `SELECT COUNT(*) AS n FROM ${tableReference(d, model)}${whereClause(where, d, p)}`,
  }));
  return { text, params };
}

/** A List's SELECT. `extra`: order columns selected only to build the next cursor, removed from the result rows. */
export function listRows(d: Dialect, op: ListOperation): Statement & { readonly decode: RowDecoder; readonly extra: readonly string[] } {
  const model = op.model;
  const values: unknown[] = [];
  let key = "list|";
  const filtered = !(op.where.t === "const" && op.where.value);
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
  const { text, params, decode, extra } = shaped(d, model, key, values, (params) => compileList(d, op, params));
  return { text, params, decode: decode!, extra: extra! };
}

function compileList(d: Dialect, op: ListOperation, params: Params): Compiled & { readonly decode: RowDecoder; readonly extra: readonly string[] } {
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
  return { text, decode, extra };
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
