import type { FilterNode, Model, ModelOperation, NodeContext, RowData } from "@dataflow/kernel/plugin";
import { DataFlowError, TenantError } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter, SqlExecutor } from "@dataflow/sql-core";
import { Params, compileFilter, rowDecoder, tableReference } from "@dataflow/sql-core";
import { TENANT_COLUMN } from "./row-scope.js";

const hasOwn = Object.hasOwn;
const CHUNK = 500;

function writtenRows(op: ModelOperation): readonly RowData[] {
  if (op.kind === "Upsert") return [op.create];
  if (op.kind === "BulkCreate" || op.kind === "BulkUpsert") return op.rows;
  return [];
}

function keyText(value: unknown): string {
  return typeof value === "bigint" ? value.toString() : String(value);
}

function explicitKeys(op: ModelOperation): unknown[] {
  const pk = op.model.primaryKey.name;
  const seen = new Map<string, unknown>();
  for (const row of writtenRows(op)) if (hasOwn(row, pk)) seen.set(keyText(row[pk]), row[pk]);
  return [...seen.values()];
}

function collision(op: ModelOperation): TenantError {
  return new TenantError(`${op.model.name}: a row with this id belongs to another tenant; nothing was written`, {
    field: op.kind === "Upsert" ? "create.id" : "data",
    fix: "Ids are unique across tenants; use generated ids (auto-increment or uuid) for tenant models",
  });
}

/**
 * Keys of the rows matching `where`. A plain read: run right after the write in the write's own
 * transaction, it sees every committed row the write met (and the rows the write changed itself),
 * without the gap locks a locking read would take on MySQL.
 */
async function selectKeys(adapter: DatabaseAdapter, exec: SqlExecutor, model: Model, where: FilterNode): Promise<string[]> {
  const d = adapter.dialect;
  const params = new Params(d);
  const pk = model.primaryKey;
  const text = `SELECT ${d.quote(pk.name)} FROM ${tableReference(d, model)} WHERE ${compileFilter(where, d, params)}`;
  let rows: Record<string, unknown>[];
  try {
    rows = (await exec.query(text, params.values)).rows;
  } catch (error) {
    throw error instanceof DataFlowError ? error : adapter.mapError(error, model);
  }
  const decode = rowDecoder(d, model, [pk]);
  return rows.map((r) => keyText(decode(r)[pk.name]));
}

function tenantCondition(model: Model, op: "=" | "<>", tenant: string): FilterNode {
  return { t: "cmp", field: model.field(TENANT_COLUMN)!, op, value: tenant };
}

/**
 * After an upsert-like write, inside its transaction: refuses (and so rolls back) when any explicit
 * id of the write is held by another tenant's row. Reads every tenant's rows, so it needs a
 * connection that row-level security does not restrict (`row` and `schema` strategies).
 */
export async function assertNoForeignRows(adapter: DatabaseAdapter, ctx: NodeContext, op: ModelOperation, tenant: string): Promise<void> {
  const keys = explicitKeys(op);
  const model = op.model;
  const exec = adapter.executorFor(ctx);
  for (let i = 0; i < keys.length; i += CHUNK) {
    const where: FilterNode = {
      t: "and",
      items: [{ t: "in", field: model.primaryKey, values: keys.slice(i, i + CHUNK), negate: false }, tenantCondition(model, "<>", tenant)],
    };
    if ((await selectKeys(adapter, exec, model, where)).length > 0) throw collision(op);
  }
}

/** For each unique index whose values the row has: the condition matching that index's values. */
function naturalKeys(model: Model, row: RowData): FilterNode[] {
  const keys: FilterNode[] = [];
  for (const ix of model.indexes) {
    if (!ix.unique) continue;
    const items: FilterNode[] = [];
    for (const name of ix.fields) {
      const v = row[name];
      if (v === null || v === undefined) break;
      items.push({ t: "cmp", field: model.field(name)!, op: "=", value: v });
    }
    if (items.length === ix.fields.length) keys.push({ t: "and", items });
  }
  return keys;
}

function sameKey(model: Model, a: RowData, b: RowData): boolean {
  return model.indexes.some((ix) => ix.unique && ix.fields.every((f) => a[f] !== null && a[f] !== undefined && keyText(a[f]) === keyText(b[f])));
}

/**
 * The same guarantee under row-level security, where other tenants' rows are invisible. After the
 * write, every explicit id must be one of the tenant's rows, unless the row met one of the tenant's
 * own rows on a natural key (every unique index includes tenant_id) that the write itself did not
 * put there afterwards: a later row of the same write with that key would mean the row was not
 * stopped by the key but by a hidden row with its id, another tenant's.
 */
export async function assertNoHiddenCollisions(adapter: DatabaseAdapter, ctx: NodeContext, op: ModelOperation, tenant: string): Promise<void> {
  const model = op.model;
  const pk = model.primaryKey.name;
  const exec = adapter.executorFor(ctx);
  const keys = explicitKeys(op);
  const visible = new Set<string>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const where: FilterNode = {
      t: "and",
      items: [{ t: "in", field: model.primaryKey, values: keys.slice(i, i + CHUNK), negate: false }, tenantCondition(model, "=", tenant)],
    };
    for (const k of await selectKeys(adapter, exec, model, where)) visible.add(k);
  }
  const rows = writtenRows(op);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (!hasOwn(row, pk) || visible.has(keyText(row[pk]))) continue;
    const later = rows.slice(i + 1).filter((other) => sameKey(model, row, other));
    const laterIds = new Set(later.map((other) => (hasOwn(other, pk) ? keyText(other[pk]) : undefined)));
    let explained = false;
    for (const key of naturalKeys(model, row)) {
      const holders = await selectKeys(adapter, exec, model, key);
      if (holders.length === 1 && !laterIds.has(holders[0]!) && !laterIds.has(undefined)) explained = true;
    }
    if (!explained) throw collision(op);
  }
}
