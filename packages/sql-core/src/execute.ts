import type {
  BulkCreateOperation, BulkUpsertOperation, FilterNode, Model, ModelField, ModelOperation, NodeContext, OperationResults,
  RowData, UpsertOperation,
} from "@dataflow/kernel/plugin";
import { DELETED_AT, DataFlowError, NotFoundError, ambiguousMatch, encodeCursor } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "./adapter.js";
import { rowDecoder } from "./codec.js";
import type { Dialect } from "./dialect.js";
import { tableReference } from "./dialect.js";
import { withRegexField } from "./failures.js";
import { Params, columnList, compileFilter, keysetFilter, orderByClause, pinsPrimaryKey, whereClause } from "./compile.js";

type Result = OperationResults[keyof OperationResults];

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

function allColumns(adapter: DatabaseAdapter, model: Model): string {
  return cachedText(adapter.dialect, model, "columns", () => columnList(adapter.dialect, model.fields));
}

function decodeAll(adapter: DatabaseAdapter, model: Model): (row: Record<string, unknown>) => RowData {
  return rowDecoder(adapter.dialect, model, model.fields, "*");
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

/** Encoded values of `fields` taken from `row`. */
export function encodeRow(adapter: DatabaseAdapter, fields: readonly ModelField[], row: RowData): unknown[] {
  const d = adapter.dialect;
  const out = new Array<unknown>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = row[f.name];
    out[i] = v === null || v === undefined ? null : d.encode(f, v);
  }
  return out;
}

/** Columns present in the row, in model order; cached per presence pattern. */
export function insertColumns(model: Model, row: RowData): ModelField[] {
  return model.fields.filter((f) => Object.hasOwn(row, f.name));
}

function primaryKeyValue(where: FilterNode): unknown {
  if (where.t === "cmp" && where.field.primaryKey) return where.value;
  if (where.t === "and") for (const n of where.items) { const v = primaryKeyValue(n); if (v !== undefined) return v; }
  return undefined;
}

function notFound(model: Model, what: string): NotFoundError {
  return new NotFoundError(`${model.name} ${what} was not found`, { fix: "Check the id or filter; Read accepts raiseOnNotFound: false" });
}

async function selectOne(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, where: FilterNode): Promise<RowData[]> {
  const d = adapter.dialect;
  const key = keyLookup(where);
  if (key) {
    const text = cachedText(d, model, key.live ? "read-live" : "read", () => {
      const live = key.live ? ` AND ${d.quote(DELETED_AT)} IS NULL` : "";
      return `SELECT ${allColumns(adapter, model)} FROM ${tableReference(d, model)} WHERE ${d.quote(model.primaryKey.name)} = ${d.placeholder(1)}${live}${d.limitOffset("2", undefined)}`;
    });
    const { rows } = await exec.query(text, [d.encode(model.primaryKey, key.value)]);
    return rows.map(decodeAll(adapter, model));
  }
  const params = new Params(d);
  const text = `SELECT ${allColumns(adapter, model)} FROM ${tableReference(d, model)}${whereClause(where, d, params)}${d.limitOffset("2", undefined)}`;
  const { rows } = await exec.query(text, params.values);
  return rows.map(decodeAll(adapter, model));
}

/** Primary keys of the rows matching `where` (at most 2), locked for update inside a transaction. */
async function matchingKeys(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, where: FilterNode): Promise<unknown[]> {
  const d = adapter.dialect;
  const params = new Params(d);
  const pk = d.quote(model.primaryKey.name);
  const text = `SELECT ${pk} FROM ${tableReference(d, model)}${whereClause(where, d, params)}${d.limitOffset("2", undefined)}${d.forUpdate}`;
  const { rows } = await exec.query(text, params.values);
  const decode = rowDecoder(d, model, [model.primaryKey], "pk");
  return rows.map((r) => decode(r)[model.primaryKey.name]);
}

function byKey(model: Model, key: unknown): FilterNode {
  return { t: "cmp", field: model.primaryKey, op: "=", value: key };
}

async function insertRow(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, data: RowData): Promise<RowData> {
  const d = adapter.dialect;
  const withId = Object.hasOwn(data, "id");
  const complete = Object.keys(data).length === model.fields.length - (withId ? 0 : 1);
  const fields = complete && (withId || model.primaryKey.autoIncrement) ? (withId ? model.fields : model.fields.slice(1)) : insertColumns(model, data);
  const build = () => {
    const placeholders = fields.map((_, i) => d.placeholder(i + 1)).join(", ");
    const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${placeholders})`;
    return d.returning ? `${head} RETURNING ${allColumns(adapter, model)}` : head;
  };
  const text = complete ? cachedText(d, model, withId ? "insert" : "insert-auto", build) : build();
  const values = encodeRow(adapter, fields, data);
  if (d.returning) {
    const { rows } = await exec.query(text, values);
    return decodeAll(adapter, model)(rows[0]!);
  }
  const res = await exec.query(text, values);
  const id = Object.hasOwn(data, "id") ? data.id : res.insertId;
  const [row] = await selectOne(adapter, exec, model, byKey(model, typeof id === "bigint" && model.primaryKey.kind === "int" ? Number(id) : id));
  if (!row) throw new DataFlowError(`The inserted ${model.name} could not be read back`);
  return row;
}

async function updateByWhere(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, where: FilterNode, fields: RowData): Promise<RowData | undefined> {
  const d = adapter.dialect;
  const params = new Params(d);
  const set = Object.keys(fields).map((name) => `${d.quote(name)} = ${params.field(model.field(name)!, fields[name])}`);
  let text = `UPDATE ${tableReference(d, model)} SET ${set.join(", ")}${whereClause(where, d, params)}`;
  if (d.returning) {
    text += ` RETURNING ${allColumns(adapter, model)}`;
    const { rows } = await exec.query(text, params.values);
    return rows[0] ? decodeAll(adapter, model)(rows[0]) : undefined;
  }
  const res = await exec.query(text, params.values);
  if (res.rowCount === 0) return undefined;
  const [row] = await selectOne(adapter, exec, model, byKey(model, primaryKeyValue(where)));
  return row;
}

function softDeleteFields(model: Model, now: Date): RowData {
  return model.timestamps ? { deleted_at: now, updated_at: now } : { deleted_at: now };
}

async function deleteByWhere(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, where: FilterNode, soft: boolean, now: Date): Promise<number> {
  const d = adapter.dialect;
  const params = new Params(d);
  if (soft) {
    const fields = softDeleteFields(model, now);
    const set = Object.keys(fields).map((n) => `${d.quote(n)} = ${params.field(model.field(n)!, fields[n])}`);
    return (await exec.query(`UPDATE ${tableReference(d, model)} SET ${set.join(", ")}${whereClause(where, d, params)}`, params.values)).rowCount;
  }
  return (await exec.query(`DELETE FROM ${tableReference(d, model)}${whereClause(where, d, params)}`, params.values)).rowCount;
}

/** Update/Delete by a filter that is not the primary key: find the one row under lock, then change it by key. */
async function singleByFilter<T>(
  adapter: DatabaseAdapter, ctx: NodeContext, model: Model, where: FilterNode, node: string,
  change: (exec: SqlExecutor, key: unknown) => Promise<T>,
): Promise<T | undefined> {
  return adapter.transaction(async (exec) => {
    const keys = await matchingKeys(adapter, exec, model, where);
    if (keys.length > 1) throw ambiguousMatch(model, node);
    if (keys.length === 0) return undefined;
    return change(exec, keys[0]);
  }, {}, ctx);
}

async function list(adapter: DatabaseAdapter, exec: SqlExecutor, op: Extract<ModelOperation, { kind: "List" }>): Promise<OperationResults["List"]> {
  const d = adapter.dialect;
  const model = op.model;
  const params = new Params(d);
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
    `SELECT ${op.select ? columnList(d, fields) : allColumns(adapter, model)} FROM ${tableReference(d, model)}` +
    `${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""}${orderByClause(op.orderBy, d)}${d.limitOffset(limit, offset)}`;
  const { rows } = await exec.query(text, params.values);
  const decode = op.select ? rowDecoder(d, model, fields, fields.map((f) => f.name).join(",")) : decodeAll(adapter, model);
  for (let i = 0; i < rows.length; i++) decode(rows[i]!);
  const last = rows.at(-1);
  const nextCursor = op.limit !== undefined && op.limit > 0 && rows.length === op.limit && last ? encodeCursor(last, op.orderBy) : undefined;
  if (extra.length) for (const r of rows) for (const n of extra) delete r[n];
  return nextCursor === undefined ? { result: rows, count: rows.length } : { result: rows, count: rows.length, nextCursor };
}

/** The default single-row upsert (see `DatabaseAdapter.upsert`). */
export async function upsertRow(adapter: DatabaseAdapter, ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
  const d = adapter.dialect;
  const model = op.model;
  const conflictWhere: FilterNode = {
    t: "and",
    items: op.conflictOn.map((name) => ({ t: "cmp", field: model.field(name)!, op: "=", value: op.create[name] }) as FilterNode),
  };
  if (d.upsertStrategy === "precheck") {
    return adapter.transaction(async (exec) => {
      const keys = await matchingKeys(adapter, exec, model, conflictWhere);
      if (keys.length === 0) return { result: await insertRow(adapter, exec, model, op.create), created: true };
      const fields = Object.keys(op.update).length ? op.update : undefined;
      const row = fields
        ? await updateByWhere(adapter, exec, model, byKey(model, keys[0]), fields)
        : (await selectOne(adapter, exec, model, byKey(model, keys[0])))[0];
      return { result: row!, created: false };
    }, {}, ctx);
  }
  const exec = adapter.executorFor(ctx);
  const fields = insertColumns(model, op.create);
  const params = new Params(d);
  const values = encodeRow(adapter, fields, op.create).map((v) => params.add(v));
  const updateNames = Object.keys(op.update);
  const set = updateNames.length
    ? updateNames.map((n) => `${d.quote(n)} = ${params.field(model.field(n)!, op.update[n])}`)
    : [`${d.quote(op.conflictOn[0]!)} = ${d.quote(model.table)}.${d.quote(op.conflictOn[0]!)}`];
  const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${values.join(", ")})`;
  if (d.upsertStrategy === "returning-inserted-flag") {
    const text = `${head} ON CONFLICT (${op.conflictOn.map((c) => d.quote(c)).join(", ")}) DO UPDATE SET ${set.join(", ")} RETURNING ${allColumns(adapter, model)}, ${d.insertedFlag} AS df_inserted`;
    const { rows } = await exec.query(text, params.values);
    const raw = rows[0]!;
    const created = raw.df_inserted === true || raw.df_inserted === 1;
    delete raw.df_inserted;
    return { result: decodeAll(adapter, model)(raw), created };
  }
  const text = `${head} ON DUPLICATE KEY UPDATE ${set.map((s) => s.replace(`${d.quote(model.table)}.`, "")).join(", ")}`;
  const res = await exec.query(text, params.values);
  const [row] = await selectOne(adapter, exec, model, conflictWhere);
  return { result: row!, created: res.rowCount === 1 };
}

function batchSizeFor(adapter: DatabaseAdapter, requested: number | undefined, columns: number): number {
  const byParams = Math.max(1, Math.floor(adapter.dialect.maxBindParameters / Math.max(1, columns)));
  return Math.min(requested ?? 1000, byParams);
}

/**
 * Multi-row INSERT in batches, inside one transaction (or savepoint), so a failing batch leaves
 * no row of the node behind. Adapters with a faster path override `DatabaseAdapter.bulkWrite`.
 */
export async function multiRowBulkWrite(
  adapter: DatabaseAdapter, ctx: NodeContext, op: BulkCreateOperation | BulkUpsertOperation,
): Promise<{ inserted: number; skipped: number; updated: number }> {
  const d = adapter.dialect;
  const model = op.model;
  const mode = op.kind === "BulkUpsert" ? "update" : op.onConflict;
  const groups = new Map<string, { fields: ModelField[]; rows: RowData[] }>();
  for (const row of op.rows) {
    const key = Object.hasOwn(row, "id") ? "id" : "auto";
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { fields: insertColumns(model, row), rows: [] }));
    g.rows.push(row);
  }
  const totals = { inserted: 0, skipped: 0, updated: 0 };
  if (op.rows.length === 0) return totals;
  const conflict = mode === "error" ? "" : ` ${d.conflictClause(op.conflictOn, mode === "update" ? op.updateFields : [])}`;
  const flag = mode === "update" && d.insertedFlag ? ` RETURNING ${d.insertedFlag} AS df_inserted` : "";
  await adapter.transaction(async (exec) => {
    for (const { fields, rows } of groups.values()) {
      const size = batchSizeFor(adapter, op.batchSize, fields.length);
      const columns = columnList(d, fields);
      for (let start = 0; start < rows.length; start += size) {
        const chunk = rows.slice(start, start + size);
        const params = new Params(d);
        const tuples = chunk.map((row) => `(${encodeRow(adapter, fields, row).map((v) => params.add(v)).join(", ")})`);
        const text = `INSERT INTO ${tableReference(d, model)} (${columns}) VALUES ${tuples.join(", ")}${conflict}${flag}`;
        const res = await exec.query(text, params.values);
        if (mode === "error") totals.inserted += res.rowCount;
        else if (mode === "skip") {
          totals.inserted += res.rowCount;
          totals.skipped += chunk.length - res.rowCount;
        } else if (flag) {
          const inserted = res.rows.filter((r) => r.df_inserted === true || r.df_inserted === 1).length;
          totals.inserted += inserted;
          totals.updated += res.rows.length - inserted;
        } else {
          // MySQL reports 1 per inserted row and 2 per updated row (0 when nothing changed).
          const updated = res.rowCount - chunk.length;
          totals.updated += Math.max(0, updated);
          totals.inserted += chunk.length - Math.max(0, updated);
        }
      }
    }
  }, {}, ctx);
  return totals;
}

/** A model in another schema whose adapter-specific write paths may not qualify its table: use the generic ones. */
function placedElsewhere(adapter: DatabaseAdapter, model: Model): boolean {
  return model.schema !== undefined && !adapter.qualifiesTables();
}

/** Executes a validated operation with SQL. Driver errors become DataFlow errors. */
export async function executeOperation(adapter: DatabaseAdapter, op: ModelOperation, ctx: NodeContext): Promise<Result> {
  const model = op.model;
  try {
    switch (op.kind) {
      case "Create":
        return { result: await insertRow(adapter, adapter.executorFor(ctx), model, op.data) };
      case "Read": {
        const rows = await selectOne(adapter, adapter.executorFor(ctx), model, op.where);
        if (rows.length > 1) throw ambiguousMatch(model, "Read");
        if (rows.length === 0) {
          if (op.raiseOnNotFound) throw notFound(model, describeTarget(op.where));
          return { result: null, found: false };
        }
        return { result: rows[0]!, found: true };
      }
      case "Update": {
        const row = pinsPrimaryKey(op.where, model)
          ? await updateByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.fields)
          : await singleByFilter(adapter, ctx, model, op.where, "Update", (exec, key) => updateByWhere(adapter, exec, model, byKey(model, key), op.fields));
        if (!row) throw notFound(model, describeTarget(op.where));
        return { result: row };
      }
      case "Delete": {
        let id = primaryKeyValue(op.where);
        let deleted: boolean;
        if (pinsPrimaryKey(op.where, model)) {
          deleted = (await deleteByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.soft, op.now)) > 0;
        } else {
          const key = await singleByFilter(adapter, ctx, model, op.where, "Delete", async (exec, k) => {
            await deleteByWhere(adapter, exec, model, byKey(model, k), op.soft, op.now);
            return k;
          });
          deleted = key !== undefined;
          if (deleted) id = key;
        }
        if (!deleted && op.raiseOnNotFound) throw notFound(model, describeTarget(op.where));
        return { result: { id: id ?? null, deleted } };
      }
      case "List":
        return await list(adapter, adapter.executorFor(ctx), op);
      case "Count": {
        const d = adapter.dialect;
        const params = new Params(d);
        const { rows } = await adapter.executorFor(ctx).query(`SELECT COUNT(*) AS n FROM ${tableReference(d, model)}${whereClause(op.where, d, params)}`, params.values);
        return { result: Number(rows[0]!.n) };
      }
      case "Upsert":
        return await (placedElsewhere(adapter, model) ? upsertRow(adapter, ctx, op) : adapter.upsert(ctx, op));
      case "BulkCreate":
        return { result: await (placedElsewhere(adapter, model) ? multiRowBulkWrite(adapter, ctx, op) : adapter.bulkWrite(ctx, op)) };
      case "BulkUpsert": {
        const { inserted, updated } = await (placedElsewhere(adapter, model) ? multiRowBulkWrite(adapter, ctx, op) : adapter.bulkWrite(ctx, op));
        return { result: { inserted, updated } };
      }
      case "BulkUpdate": {
        const d = adapter.dialect;
        const params = new Params(d);
        const set = Object.keys(op.fields).map((n) => `${d.quote(n)} = ${params.field(model.field(n)!, op.fields[n])}`);
        const res = await adapter.executorFor(ctx).query(`UPDATE ${tableReference(d, model)} SET ${set.join(", ")}${whereClause(op.where, d, params)}`, params.values);
        return { result: { updated: res.rowCount } };
      }
      case "BulkDelete":
        return { result: { deleted: await deleteByWhere(adapter, adapter.executorFor(ctx), model, op.where, op.soft, op.now) } };
    }
  } catch (error) {
    const mapped = error instanceof DataFlowError ? error : adapter.mapError(error, model);
    throw withRegexField(mapped, "where" in op ? op.where : undefined);
  }
}

function describeTarget(where: FilterNode): string {
  const id = primaryKeyValue(where);
  return id === undefined ? "matching the filter" : `with id ${JSON.stringify(typeof id === "bigint" ? id.toString() : id)}`;
}
