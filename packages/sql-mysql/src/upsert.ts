import type { Model, NodeContext, OperationResults, RowData, UpsertOperation } from "@dataflow/kernel/plugin";
import { DataFlowError, type UniqueViolationError } from "@dataflow/kernel/plugin";
import { Params, columnList, encodeRow, insertColumns, rowDecoder, tableReference, uniqueViolation } from "@dataflow/sql-core";
import type { MysqlTarget } from "./target.js";
import { otherUniqueKeys } from "./keys.js";

/** Reads rows of `model` where each named column equals its value (bound, with the dialect's casts). */
export async function selectWhere(
  adapter: MysqlTarget,
  ctx: NodeContext,
  model: Model,
  values: Readonly<Record<string, unknown>>,
  columns: string,
): Promise<Record<string, unknown>[]> {
  const d = adapter.dialect;
  const params = new Params(d);
  const where = Object.keys(values).map((name) => `${d.quote(name)} = ${params.field(model.field(name)!, values[name])}`);
  const text = `SELECT ${columns} FROM ${tableReference(d, model)} WHERE ${where.join(" AND ")} LIMIT 2`;
  return (await adapter.statement(ctx, text, params.values)).rows;
}

function pick(row: RowData, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, row[n]]));
}

/**
 * Which other unique key a row collided with, named by its fields (never its values); found by
 * looking each candidate up. Used when ON DUPLICATE KEY UPDATE hit a key that is not the target.
 */
export async function collisionError(
  adapter: MysqlTarget,
  ctx: NodeContext,
  model: Model,
  keys: readonly string[][],
  rows: readonly RowData[],
): Promise<UniqueViolationError> {
  for (const row of rows) {
    for (const key of keys) {
      if (key.some((f) => row[f] === null || row[f] === undefined)) continue;
      if ((await selectWhere(adapter, ctx, model, pick(row, key), "1 AS found")).length > 0) return uniqueViolation(model, key, undefined);
    }
  }
  return uniqueViolation(model, keys[0], undefined);
}

/**
 * Single-row upsert with INSERT ... ON DUPLICATE KEY UPDATE. Without CLIENT_FOUND_ROWS the server
 * reports 1 for an inserted row and 2 or 0 for an updated or unchanged one, so `created` is exact.
 * ON DUPLICATE KEY fires on any unique key, not only `conflictOn`: when the row carries another
 * unique key, every assignment is guarded by "the existing row matches on conflictOn", and a row
 * that collided elsewhere is reported as a unique violation, as ON CONFLICT (target) would.
 */
export async function mysqlUpsert(adapter: MysqlTarget, ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
  const d = adapter.dialect;
  const model = op.model;
  const q = d.quote;
  const decode = rowDecoder(d, model, model.fields);
  const all = columnList(d, model.fields);
  const fields = insertColumns(model, op.create);
  const params = new Params(d);
  const values = encodeRow(adapter, fields, op.create).map((v) => params.add(v));
  const head = `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${values.join(", ")})`;

  if (op.conflictOn.some((name) => op.create[name] === null || op.create[name] === undefined)) {
    // NULL never equals anything in a unique key, so this row cannot conflict on the target: a plain insert.
    const res = await adapter.statement(ctx, head, params.values);
    const id = Object.hasOwn(op.create, model.primaryKey.name) ? op.create[model.primaryKey.name] : res.insertId;
    const [row] = await selectWhere(adapter, ctx, model, { [model.primaryKey.name]: id }, all);
    if (!row) throw new DataFlowError(`The inserted ${model.name} could not be read back`);
    return { result: decode(row), created: true };
  }

  const guard = otherUniqueKeys(model, op.conflictOn, new Set(fields.map((f) => f.name)));
  const isTarget = (name: string) => op.conflictOn.includes(name);
  const updateNames = [...Object.keys(op.update).filter((n) => !isTarget(n)), ...Object.keys(op.update).filter(isTarget)];
  if (guard.length > 0 && op.conflictOn.length > 1 && updateNames.some(isTarget)) {
    // The guard reads the target columns; rewriting several of them in one statement would change what it reads.
    return adapter.transaction(() => lockedUpsert(adapter, ctx, op), {}, ctx);
  }
  const matches = op.conflictOn.map((t) => `${q(t)} = ${d.proposed(t)}`).join(" AND ");
  // Target columns last, so every guard still reads the existing row's key.
  const assignments = updateNames.map((name) => {
    const value = params.field(model.field(name)!, op.update[name]);
    return guard.length > 0 ? `${q(name)} = IF(${matches}, ${value}, ${q(name)})` : `${q(name)} = ${value}`;
  });
  if (assignments.length === 0) assignments.push(`${q(model.primaryKey.name)} = ${q(model.primaryKey.name)}`);
  const text = `${head}${d.rowAlias} ON DUPLICATE KEY UPDATE ${assignments.join(", ")}`;

  const res = await adapter.statement(ctx, text, params.values);
  const created = res.affectedRows === 1;
  const key: Record<string, unknown> = {};
  for (const t of op.conflictOn) key[t] = !created && Object.hasOwn(op.update, t) ? op.update[t] : op.create[t];
  const [row] = await selectWhere(adapter, ctx, model, key, all);
  if (row) return { result: decode(row), created };
  // Nothing carries the key: the row met another unique key, and the guard left that row alone.
  if (guard.length > 0) throw await collisionError(adapter, ctx, model, guard, [op.create]);
  throw new DataFlowError(`The upserted ${model.name} could not be read back`);
}

/** Upsert as lock, then UPDATE by primary key or INSERT, inside the caller's transaction. */
async function lockedUpsert(adapter: MysqlTarget, ctx: NodeContext, op: UpsertOperation): Promise<OperationResults["Upsert"]> {
  const d = adapter.dialect;
  const model = op.model;
  const pk = model.primaryKey.name;
  const all = columnList(d, model.fields);
  const decode = rowDecoder(d, model, model.fields);
  const params = new Params(d);
  const where = op.conflictOn.map((t) => `${d.quote(t)} = ${params.field(model.field(t)!, op.create[t])}`);
  const found = await adapter.statement(
    ctx,
    `SELECT ${d.quote(pk)} FROM ${tableReference(d, model)} WHERE ${where.join(" AND ")} LIMIT 2 FOR UPDATE`,
    params.values,
  );
  let id: unknown;
  let created: boolean;
  if (found.rows.length > 0) {
    id = rowDecoder(d, model, [model.primaryKey])(found.rows[0]!)[pk];
    const set = new Params(d);
    const assignments = Object.keys(op.update).map((n) => `${d.quote(n)} = ${set.field(model.field(n)!, op.update[n])}`);
    await adapter.statement(
      ctx,
      `UPDATE ${tableReference(d, model)} SET ${assignments.join(", ")} WHERE ${d.quote(pk)} = ${set.field(model.primaryKey, id)}`,
      set.values,
    );
    created = false;
  } else {
    const fields = insertColumns(model, op.create);
    const insert = new Params(d);
    const values = encodeRow(adapter, fields, op.create).map((v) => insert.add(v));
    const res = await adapter.statement(ctx, `INSERT INTO ${tableReference(d, model)} (${columnList(d, fields)}) VALUES (${values.join(", ")})`, insert.values);
    id = Object.hasOwn(op.create, pk) ? op.create[pk] : res.insertId;
    created = true;
  }
  const [row] = await selectWhere(adapter, ctx, model, { [pk]: id }, all);
  if (!row) throw new DataFlowError(`The upserted ${model.name} could not be read back`);
  return { result: decode(row), created };
}
