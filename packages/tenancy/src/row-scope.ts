import type { FilterNode, Model, ModelField, ModelOperation, RowData } from "@dataflow/kernel/plugin";
import { TenantError, andFilters, isUniqueTarget } from "@dataflow/kernel/plugin";

/** The column every tenant model gets. */
export const TENANT_COLUMN = "tenant_id";

const hasOwn = Object.hasOwn;

function spoofed(path: string): TenantError {
  return new TenantError(`'${path}' names a different tenant than the bound one`, {
    field: path,
    fix: `${TENANT_COLUMN} is set by DataFlow from the bound tenant; leave it out`,
  });
}

function tenantField(model: Model): ModelField {
  const f = model.field(TENANT_COLUMN);
  if (!f || model.scopeField !== TENANT_COLUMN) {
    throw new TenantError(`Model ${model.name} is a tenant model without its ${TENANT_COLUMN} column`);
  }
  return f;
}

/** The row with the bound tenant stamped on it; a different tenant in the input is refused, never overwritten. */
function stamp(row: RowData, tenant: string, path: string): RowData {
  if (hasOwn(row, TENANT_COLUMN)) {
    if (row[TENANT_COLUMN] !== tenant) throw spoofed(`${path}.${TENANT_COLUMN}`);
    return row;
  }
  return { ...row, [TENANT_COLUMN]: tenant };
}

/** Update values: a different tenant is refused; `drop` removes an equal one (it would be a no-op on own rows). */
function checkAssignments(fields: RowData, tenant: string, path: string, drop: boolean): RowData {
  if (!hasOwn(fields, TENANT_COLUMN)) return fields;
  if (fields[TENANT_COLUMN] !== tenant) throw spoofed(`${path}.${TENANT_COLUMN}`);
  if (!drop) return fields;
  const copy = { ...fields };
  delete copy[TENANT_COLUMN];
  return copy;
}

/** Columns a conflicting row gets from the new row: never the tenant column (that would move another tenant's row). */
function checkOverwrites(columns: string[], path: string): string[] {
  if (columns.includes(TENANT_COLUMN)) {
    throw new TenantError(`'${path}' cannot name ${TENANT_COLUMN}`, { field: path, fix: "A row never changes tenant" });
  }
  return columns;
}

/**
 * A conflict target on the tenant's rows: natural keys get the tenant column (every unique index of
 * a tenant model starts with it). The primary key stays global; `collision-check` guards it.
 */
function scopeTarget(model: Model, target: string[]): string[] {
  if (target.includes(TENANT_COLUMN)) return target;
  if (target.length === 1 && target[0] === model.primaryKey.name) return target;
  const scoped = [TENANT_COLUMN, ...target];
  if (!isUniqueTarget(model, scoped)) {
    throw new TenantError(`The conflict target [${target.join(", ")}] of ${model.name} is not unique within a tenant`);
  }
  return scoped;
}

/**
 * The operation restricted to one tenant, in the AST: filters AND `tenant_id = tenant`, written rows
 * carry `tenant_id = tenant`, conflict targets include it. Pure: no I/O, so every refusal happens
 * before any SQL.
 */
export function scopeOperation(op: ModelOperation, tenant: string): ModelOperation {
  const field = tenantField(op.model);
  const mine: FilterNode = { t: "cmp", field, op: "=", value: tenant };
  switch (op.kind) {
    case "Create":
      return { ...op, data: stamp(op.data, tenant, "data") };
    case "Read":
    case "Delete":
    case "List":
    case "Count":
    case "BulkDelete":
      return { ...op, where: andFilters(op.where, mine) };
    case "Update":
    case "BulkUpdate":
      return { ...op, where: andFilters(op.where, mine), fields: checkAssignments(op.fields, tenant, "fields", false) };
    case "Upsert":
      return {
        ...op,
        create: stamp(op.create, tenant, "create"),
        update: checkAssignments(op.update, tenant, "update", true),
        conflictOn: scopeTarget(op.model, op.conflictOn),
      };
    case "BulkCreate":
      return {
        ...op,
        rows: op.rows.map((row, i) => stamp(row, tenant, `data[${i}]`)),
        conflictOn: op.conflictOn === undefined ? undefined : scopeTarget(op.model, op.conflictOn),
        updateFields: checkOverwrites(op.updateFields, "update"),
      };
    case "BulkUpsert":
      return {
        ...op,
        rows: op.rows.map((row, i) => stamp(row, tenant, `data[${i}]`)),
        conflictOn: scopeTarget(op.model, op.conflictOn),
        updateFields: checkOverwrites(op.updateFields, "update"),
      };
  }
}

/** True when the write can meet an existing row on its global primary key (so another tenant's row). */
export function writesExplicitKeys(op: ModelOperation): boolean {
  const pk = op.model.primaryKey.name;
  switch (op.kind) {
    case "Upsert":
      return hasOwn(op.create, pk);
    case "BulkUpsert":
      return op.rows.some((row) => hasOwn(row, pk));
    case "BulkCreate":
      return op.onConflict !== "error" && op.rows.some((row) => hasOwn(row, pk));
    default:
      return false;
  }
}
