import { AmbiguousMatchError, ReadOnlyModelError, ValidationError } from "./errors.js";
import { ownProperties, ownValue } from "./own.js";
import { quoteName } from "./names.js";
import type { FilterNode, OrderTerm } from "./filter.js";
import { andFilters, filterAst, isEmptyFilter, isPlainObject, parseOrderBy } from "./filter.js";
import type { Model, ModelField, ModelOperationName } from "./model.js";
import { DELETED_AT } from "./model.js";
import type { ParamsSchema } from "./params.js";
import { didYouMean } from "./suggest.js";
import { validateValue } from "./values.js";
import type { RowData } from "./create-rows.js";
import { attachRows } from "./bulk-rows.js";
import { fieldFor, normalizeBulkRows, normalizeCreateData } from "./create-rows.js";

export type { RowData } from "./create-rows.js";
export { normalizeCreateData } from "./create-rows.js";

export interface CreateOperation {
  readonly kind: "Create";
  readonly model: Model;
  data: RowData;
}
export interface ReadOperation {
  readonly kind: "Read";
  readonly model: Model;
  where: FilterNode;
  readonly raiseOnNotFound: boolean;
}
export interface UpdateOperation {
  readonly kind: "Update";
  readonly model: Model;
  where: FilterNode;
  fields: RowData;
}
export interface DeleteOperation {
  readonly kind: "Delete";
  readonly model: Model;
  where: FilterNode;
  readonly soft: boolean;
  readonly raiseOnNotFound: boolean;
  /** `deleted_at` for soft deletes. */
  readonly now: Date;
}
export interface ListOperation {
  readonly kind: "List";
  readonly model: Model;
  where: FilterNode;
  readonly orderBy: readonly OrderTerm[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
  /** Decoded keyset cursor: the values of `orderBy` (which ends with `id`) of the last row seen. */
  readonly after: readonly unknown[] | undefined;
  readonly select: readonly ModelField[] | undefined;
}
export interface CountOperation {
  readonly kind: "Count";
  readonly model: Model;
  where: FilterNode;
}
export interface UpsertOperation {
  readonly kind: "Upsert";
  readonly model: Model;
  create: RowData;
  update: RowData;
  conflictOn: string[];
}
export type ConflictMode = "error" | "skip" | "update";
export interface BulkCreateOperation {
  readonly kind: "BulkCreate";
  readonly model: Model;
  /**
   * The validated rows as objects. The kernel builds them on first read: a writer reads
   * `bulkRowGroups(op)` (positional rows per column group) instead, which costs no object per row.
   */
  rows: RowData[];
  readonly batchSize: number | undefined;
  readonly onConflict: ConflictMode;
  conflictOn: string[] | undefined;
  readonly updateFields: string[];
}
export interface BulkUpdateOperation {
  readonly kind: "BulkUpdate";
  readonly model: Model;
  where: FilterNode;
  fields: RowData;
}
export interface BulkDeleteOperation {
  readonly kind: "BulkDelete";
  readonly model: Model;
  where: FilterNode;
  readonly soft: boolean;
  readonly now: Date;
}
export interface BulkUpsertOperation {
  readonly kind: "BulkUpsert";
  readonly model: Model;
  /** The validated rows as objects, built on first read; see BulkCreateOperation.rows and `bulkRowGroups`. */
  rows: RowData[];
  conflictOn: string[];
  readonly updateFields: string[];
  readonly batchSize: number | undefined;
}

export type ModelOperation =
  | CreateOperation
  | ReadOperation
  | UpdateOperation
  | DeleteOperation
  | ListOperation
  | CountOperation
  | UpsertOperation
  | BulkCreateOperation
  | BulkUpdateOperation
  | BulkDeleteOperation
  | BulkUpsertOperation;

export interface OperationResults {
  Create: { result: RowData };
  Read: { result: RowData | null; found: boolean };
  Update: { result: RowData };
  Delete: { result: { id: unknown; deleted: boolean } };
  List: { result: RowData[]; count: number; nextCursor?: string };
  Count: { result: number };
  Upsert: { result: RowData; created: boolean };
  BulkCreate: { result: { inserted: number; skipped: number; updated: number } };
  BulkUpdate: { result: { updated: number } };
  BulkDelete: { result: { deleted: number } };
  BulkUpsert: { result: { inserted: number; updated: number } };
}

const idOrFilter = {
  id: { type: "any", description: "Primary key of the row" },
  filter: { type: "object", description: "A filter that matches at most one row" },
} as const;

/** Parameter schemas of the 11 generated nodes (used by `build()` validation). */
export const OPERATION_PARAMS: Record<ModelOperationName, ParamsSchema> = {
  Create: { data: { type: "object", required: true } },
  Read: { ...idOrFilter, includeDeleted: { type: "boolean" }, raiseOnNotFound: { type: "boolean" } },
  Update: { ...idOrFilter, fields: { type: "object", required: true } },
  Delete: { ...idOrFilter, raiseOnNotFound: { type: "boolean" } },
  List: {
    filter: { type: "object" },
    orderBy: { type: "any" },
    limit: { type: "integer" },
    offset: { type: "integer" },
    after: { type: "string" },
    select: { type: "array" },
    includeDeleted: { type: "boolean" },
  },
  Count: { filter: { type: "object" }, includeDeleted: { type: "boolean" } },
  Upsert: {
    where: { type: "object", required: true },
    create: { type: "object" },
    update: { type: "object" },
    conflictOn: { type: "array" },
  },
  BulkCreate: {
    data: { type: "array", required: true },
    batchSize: { type: "integer" },
    onConflict: { type: "string" },
    conflictOn: { type: "array" },
    update: { type: "array" },
  },
  BulkUpdate: {
    filter: { type: "object", required: true },
    fields: { type: "object", required: true },
    all: { type: "boolean" },
    includeDeleted: { type: "boolean" },
  },
  BulkDelete: { filter: { type: "object", required: true }, all: { type: "boolean" } },
  BulkUpsert: {
    data: { type: "array", required: true },
    conflictOn: { type: "array", required: true },
    update: { type: "array" },
    batchSize: { type: "integer" },
  },
};

export const MAX_BULK_ROWS = 1_000_000;

function plainObject(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ValidationError(`'${path}' must be a plain object`, { field: path });
  return value;
}

/** Validates update fields; sets `updated_at`. */
export function normalizeUpdateFields(model: Model, fields: unknown, path: string, now: Date, allowEmpty = false): RowData {
  const input = plainObject(fields, path);
  const out: RowData = {};
  const keys = Object.keys(input);
  for (const key of keys) {
    const f = fieldFor(model, key, path);
    if (f.primaryKey) throw new ValidationError(`'${path}.${key}': the primary key cannot be changed`, { field: `${path}.${key}` });
    out[key] = validateValue(f, input[key], `${path}.${key}`);
  }
  if (!allowEmpty && keys.length === 0) {
    throw new ValidationError(`'${path}' is empty; name at least one field to change`, { field: path });
  }
  if (model.timestamps) out.updated_at = now;
  return out;
}

function notDeleted(model: Model): FilterNode | undefined {
  if (!model.softDelete) return undefined;
  const f = model.field(DELETED_AT);
  return f ? { t: "null", field: f, isNull: true } : undefined;
}

/** `andFilters(first, second)` without its rest array. */
function andAlso(first: FilterNode | undefined, second: FilterNode | undefined): FilterNode {
  if (second === undefined) return first ?? { t: "const", value: true };
  if (first === undefined || (first.t === "const" && first.value)) return second;
  if (second.t === "const" && second.value) return first;
  return { t: "and", items: [first, second] };
}

function idFilter(model: Model, id: unknown, path: string): FilterNode {
  const value = validateValue(model.primaryKey, id, path);
  return { t: "cmp", field: model.primaryKey, op: "=", value };
}

/** `id` or `filter`, exactly one. */
function singleTarget(model: Model, params: object, node: string): FilterNode {
  const id = ownValue(params, "id");
  const filter = ownValue(params, "filter");
  const hasId = id !== undefined;
  if (hasId === (filter !== undefined)) {
    throw new ValidationError(`${node} needs exactly one of 'id' or 'filter'`, { field: hasId ? "filter" : "id" });
  }
  if (hasId) return idFilter(model, id, "id");
  const parsed = filterAst(model, filter, "filter");
  if (isEmptyFilter(parsed)) {
    throw new ValidationError(`${node}: 'filter' is empty and would match every row`, {
      field: "filter",
      fix: "Give an id or a filter that matches one row",
    });
  }
  return parsed;
}

function positiveInt(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`'${path}' must be an integer from ${min} to ${max}`, { field: path });
  }
  return value;
}

function fieldList(model: Model, value: unknown, path: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(`'${path}' must be a non-empty array of field names`, { field: path });
  }
  return value.map((name, i) => {
    if (typeof name !== "string" || !model.hasField(name)) {
      throw new ValidationError(`Unknown field ${quoteName(name)} in '${path}[${i}]'. ${didYouMean(String(name), model.fieldNames)}`.trim(), {
        field: `${path}[${i}]`,
      });
    }
    return name;
  });
}

/**
 * True when the fields are the primary key or exactly the fields of a unique index, also once the
 * model's scope field (e.g. `tenant_id`, which a plugin adds to every index) is added to them.
 */
export function isUniqueTarget(model: Model, fields: readonly string[]): boolean {
  const set = new Set(fields);
  if (set.size === 1 && set.has(model.primaryKey.name)) return true;
  const scope = model.scopeField;
  if (scope !== undefined) set.add(scope);
  return model.indexes.some((ix) => ix.unique && ix.fields.length === set.size && ix.fields.every((f) => set.has(f)));
}

function conflictTarget(model: Model, value: unknown, path: string): string[] {
  const fields = fieldList(model, value, path);
  if (!isUniqueTarget(model, fields)) {
    throw new ValidationError(`'${path}' [${fields.join(", ")}] is not the primary key or a unique constraint of ${model.name}`, {
      field: path,
      fix: "Declare the field(s) .unique() or add { fields: [...], unique: true } to the model's indexes",
    });
  }
  return fields;
}

function rows(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ValidationError(`'${path}' must be an array of rows`, { field: path });
  if (value.length > MAX_BULK_ROWS) {
    throw new ValidationError(`'${path}' has ${value.length} rows; at most ${MAX_BULK_ROWS} per node`, { field: path });
  }
  return value;
}

function mutableColumns(model: Model, conflictOn: readonly string[], explicit: unknown, path: string): string[] {
  if (explicit !== undefined) {
    const names = fieldList(model, explicit, path);
    for (const n of names) {
      const f = model.field(n)!;
      if (f.primaryKey || (f.system && !model.inputSystemFields.has(n))) {
        throw new ValidationError(`'${path}': '${n}' cannot be overwritten`, { field: path });
      }
    }
    return model.timestamps ? [...names, "updated_at"] : names;
  }
  return model.fields.filter((f) => !conflictOn.includes(f.name) && !f.primaryKey && (!f.system || f.name === "updated_at")).map((f) => f.name);
}

/** Turns a generated node's params into a validated operation. All checks happen here, before any I/O. */
export function normalizeOperation(model: Model, kind: ModelOperationName, given: Record<string, unknown>): ModelOperation {
  if (model.readOnly && kind !== "Read" && kind !== "List" && kind !== "Count") {
    throw new ReadOnlyModelError(`${model.name} is read-only (table '${model.table}' is a view); ${kind} is refused`, {
      fix: "Write to the underlying tables instead, or register them as models",
    });
  }
  // Own properties only: an inherited `all` or `includeDeleted` (polluted Object.prototype) must not count.
  // The single-row kinds, List and Count read the params they know with `ownValue` (no copy); the others copy them.
  switch (kind) {
    case "Create":
      return { kind, model, data: normalizeCreateData(model, ownValue(given, "data"), "data", new Date()) };
    case "Read":
      return {
        kind,
        model,
        where: andAlso(singleTarget(model, given, "Read"), ownValue(given, "includeDeleted") === true ? undefined : notDeleted(model)),
        raiseOnNotFound: ownValue(given, "raiseOnNotFound") !== false,
      };
    case "Update":
      return {
        kind,
        model,
        where: andAlso(singleTarget(model, given, "Update"), notDeleted(model)),
        fields: normalizeUpdateFields(model, ownValue(given, "fields"), "fields", new Date()),
      };
    case "Delete":
      return {
        kind,
        model,
        where: andAlso(singleTarget(model, given, "Delete"), notDeleted(model)),
        soft: model.softDelete,
        raiseOnNotFound: ownValue(given, "raiseOnNotFound") !== false,
        now: new Date(),
      };
    case "List":
      return normalizeList(model, given, ownValue(given, "includeDeleted") === true ? undefined : notDeleted(model));
    case "Count": {
      const filter = ownValue(given, "filter");
      const hidden = ownValue(given, "includeDeleted") === true ? undefined : notDeleted(model);
      return { kind, model, where: andAlso(filter === undefined ? undefined : filterAst(model, filter), hidden) };
    }
  }
  return normalizeOther(model, kind, ownProperties(given));
}

/** The list, count, upsert and bulk kinds, from own-property params. */
function normalizeOther(
  model: Model,
  kind: Exclude<ModelOperationName, "Create" | "Read" | "Update" | "Delete" | "List" | "Count">,
  params: Record<string, unknown>,
): ModelOperation {
  const now = new Date();
  switch (kind) {
    case "Upsert": {
      const where = plainObject(params.where, "where");
      const conflictOn = params.conflictOn === undefined ? Object.keys(where) : params.conflictOn;
      if (Array.isArray(conflictOn) && conflictOn.length === 0) {
        throw new ValidationError("'where' is empty; Upsert needs the unique key of the row", { field: "where" });
      }
      const target = conflictTarget(model, conflictOn, params.conflictOn === undefined ? "where" : "conflictOn");
      const create = normalizeCreateData(model, { ...where, ...plainObject(params.create ?? {}, "create") }, "create", now);
      for (const key of target) {
        if (!(key in where)) throw new ValidationError(`'where.${key}' is missing; conflictOn names it`, { field: `where.${key}` });
      }
      const update = normalizeUpdateFields(model, params.update ?? {}, "update", now, true);
      return { kind, model, create, update, conflictOn: target };
    }
    case "BulkCreate": {
      const mode = params.onConflict ?? "error";
      if (mode !== "error" && mode !== "skip" && mode !== "update") {
        throw new ValidationError(`'onConflict' must be "error", "skip" or "update"`, { field: "onConflict" });
      }
      const conflictOn = params.conflictOn === undefined ? undefined : conflictTarget(model, params.conflictOn, "conflictOn");
      if (mode === "update" && !conflictOn) {
        throw new ValidationError(`onConflict "update" needs 'conflictOn'`, { field: "conflictOn" });
      }
      const data = normalizeBulkRows(model, rows(params.data, "data"), "data", now);
      const op: Omit<BulkCreateOperation, "rows"> = {
        kind,
        model,
        batchSize: positiveInt(params.batchSize, "batchSize", 1, 100_000),
        onConflict: mode,
        conflictOn,
        updateFields: mode === "update" ? mutableColumns(model, conflictOn!, params.update, "update") : [],
      };
      return attachRows(op, data);
    }
    case "BulkUpdate": {
      const where = bulkFilter(model, params, "BulkUpdate");
      return {
        kind,
        model,
        where: andFilters(where, params.includeDeleted === true ? undefined : notDeleted(model)),
        fields: normalizeUpdateFields(model, params.fields, "fields", now),
      };
    }
    case "BulkDelete":
      return { kind, model, where: andFilters(bulkFilter(model, params, "BulkDelete"), notDeleted(model)), soft: model.softDelete, now };
    case "BulkUpsert": {
      const conflictOn = conflictTarget(model, params.conflictOn, "conflictOn");
      const data = normalizeBulkRows(model, rows(params.data, "data"), "data", now);
      const op: Omit<BulkUpsertOperation, "rows"> = {
        kind,
        model,
        conflictOn,
        updateFields: mutableColumns(model, conflictOn, params.update, "update"),
        batchSize: positiveInt(params.batchSize, "batchSize", 1, 100_000),
      };
      return attachRows(op, data);
    }
  }
}

function bulkFilter(model: Model, params: Record<string, unknown>, node: string): FilterNode {
  const ast = filterAst(model, params.filter, "filter");
  if (params.all !== undefined && typeof params.all !== "boolean") {
    throw new ValidationError("'all' must be true or false", { field: "all" });
  }
  if (params.all !== true && isEmptyFilter(ast)) {
    throw new ValidationError(`${node}'s filter matches every row`, {
      field: "filter",
      fix: "Pass all: true to confirm",
    });
  }
  return ast;
}

/** List from its params, read as own properties. */
function normalizeList(model: Model, params: object, hidden: FilterNode | undefined): ListOperation {
  const filter = ownValue(params, "filter");
  const where = filter === undefined ? undefined : filterAst(model, filter);
  const orderBy = listOrder(model, ownValue(params, "orderBy"));
  const fields = ownValue(params, "select");
  const select = fields === undefined ? undefined : fieldList(model, fields, "select").map((n) => model.field(n)!);
  const cursor = ownValue(params, "after");
  const after = cursor === undefined ? undefined : decodeCursor(model, cursor, orderBy);
  const limit = positiveInt(ownValue(params, "limit"), "limit", 0);
  const offset = positiveInt(ownValue(params, "offset"), "offset", 0);
  if (after !== undefined && offset !== undefined) {
    throw new ValidationError("'after' and 'offset' cannot be combined", { field: "offset", fix: "Keyset pagination replaces offset" });
  }
  return { kind: "List", model, where: andAlso(where, hidden), orderBy, limit, offset, after, select };
}

/** The order terms of a List ending with the primary key (a keyset cursor needs a total order). */
function completeOrder(model: Model, terms: OrderTerm[]): OrderTerm[] {
  if (!terms.some((t) => t.field.primaryKey)) terms.push({ field: model.primaryKey, direction: terms.at(-1)?.direction ?? "asc" });
  return terms;
}

/** Orders kept per model; more distinct specs than this are parsed per run (valid specs are few: field names and directions). */
const MAX_ORDERS_PER_MODEL = 64;

/**
 * Per model: the List orders of the specs seen so far (a field name string, or an array of them; the key
 * says which), parsed once, completed and frozen. A spec that fails to parse is never kept.
 */
const ORDERS = new WeakMap<Model, Map<string, readonly OrderTerm[]>>();

/** The cache key of an orderBy spec, or undefined for the specs that are parsed per run (objects, odd values). */
function orderKey(given: unknown): string | undefined {
  if (typeof given === "string") return `s${given}`;
  if (!Array.isArray(given)) return undefined;
  for (let i = 0; i < given.length; i++) if (typeof given[i] !== "string") return undefined;
  return `a${JSON.stringify(given)}`;
}

/** A List's order: `given` (an orderBy param, or undefined) parsed and completed with the primary key; the same frozen array for the same spec. */
function listOrder(model: Model, given: unknown): readonly OrderTerm[] {
  const key = given === undefined ? "" : orderKey(given);
  if (key === undefined) return completeOrder(model, parseOrderBy(model, given));
  let orders = ORDERS.get(model);
  const known = orders?.get(key);
  if (known !== undefined) return known;
  const terms = completeOrder(model, given === undefined ? [] : parseOrderBy(model, given));
  if (orders === undefined) ORDERS.set(model, (orders = new Map()));
  if (orders.size >= MAX_ORDERS_PER_MODEL) return terms;
  for (const t of terms) Object.freeze(t);
  const frozen = Object.freeze(terms);
  orders.set(key, frozen);
  CURSOR_HEADS.set(frozen, cursorHead(frozen));
  return frozen;
}

/** The cursor's `k`: the order's fields, `-` before a descending one (`-score,id`). */
function cursorKey(orderBy: readonly OrderTerm[]): string {
  let key = "";
  for (let i = 0; i < orderBy.length; i++) {
    const t = orderBy[i]!;
    key += i === 0 ? "" : ",";
    key += t.direction === "desc" ? `-${t.field.name}` : t.field.name;
  }
  return key;
}

/**
 * What every cursor of one order starts with: its `k`, and the JSON text up to the first value,
 * `{"k":"-score,id","v":[`, split into the base64url of its first whole 3-byte groups (base64 encodes
 * each group alone, so a cursor's text is `encoded` plus the base64url of `rest` and the values) and the 0-2 bytes after them.
 */
interface CursorHead {
  readonly key: string;
  readonly encoded: string;
  readonly rest: string;
}

/** The heads of the cached orders (`listOrder`); other orders make theirs per cursor. */
const CURSOR_HEADS = new WeakMap<readonly OrderTerm[], CursorHead>();

function cursorHead(orderBy: readonly OrderTerm[]): CursorHead {
  const key = cursorKey(orderBy);
  const json = `{"k":${JSON.stringify(key)},"v":[`;
  // Field names are ASCII identifiers (one byte per character); were one not, the whole text goes per cursor.
  if (!ASCII.test(json)) return { key, encoded: "", rest: json };
  const whole = json.length - (json.length % 3);
  return { key, encoded: Buffer.from(json.slice(0, whole)).toString("base64url"), rest: json.slice(whole) };
}

/** One cursor value as JSON: instants as `{"d":iso}`, bigints as `{"b":digits}`, the rest as `JSON.stringify` writes it in an array. */
function cursorValueJson(v: unknown): string {
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return `{"b":"${v}"}`;
    case "undefined":
      return "null";
  }
  if (v instanceof Date) return `{"d":"${v.toISOString()}"}`;
  return JSON.stringify(v) ?? "null";
}

const ASCII = /^[\x00-\x7f]*$/;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** base64url (no padding) of ASCII text, or undefined when a character is not ASCII. For the few bytes after a cursor's head. */
function asciiBase64url(text: string): string | undefined {
  let out = "";
  const n = text.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const c = text.charCodeAt(i + 2);
    if ((a | b | c) > 127) return undefined;
    out += BASE64URL[a >> 2]! + BASE64URL[((a & 3) << 4) | (b >> 4)]! + BASE64URL[((b & 15) << 2) | (c >> 6)]! + BASE64URL[c & 63]!;
  }
  if (i < n) {
    const a = text.charCodeAt(i);
    const b = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if ((a | b) > 127) return undefined;
    out += BASE64URL[a >> 2]! + BASE64URL[((a & 3) << 4) | (b >> 4)]!;
    if (i + 1 < n) out += BASE64URL[(b & 15) << 2]!;
  }
  return out;
}

/**
 * An opaque keyset cursor for the row, given the order the list used: base64url of the JSON
 * `{"k":"<order>","v":[<values>]}`, byte for byte what `JSON.stringify({ k, v })` gives, so `decodeCursor`
 * reads cursors of either form. The part up to the values is encoded once per order (`CursorHead`), the
 * rest (a few ASCII bytes, usually) here without a Buffer.
 */
export function encodeCursor(row: RowData, orderBy: readonly OrderTerm[]): string {
  const head = CURSOR_HEADS.get(orderBy) ?? cursorHead(orderBy);
  let json = head.rest;
  for (let i = 0; i < orderBy.length; i++) {
    if (i > 0) json += ",";
    json += cursorValueJson(row[orderBy[i]!.field.name]);
  }
  json += "]}";
  return head.encoded + (asciiBase64url(json) ?? Buffer.from(json).toString("base64url"));
}

function decodeCursor(model: Model, cursor: unknown, orderBy: readonly OrderTerm[]): unknown[] {
  const bad = (why: string) =>
    new ValidationError(`'after' is not a valid cursor: ${why}`, { field: "after", fix: "Pass the nextCursor of a previous List with the same orderBy" });
  if (typeof cursor !== "string" || cursor.length > 8192) throw bad("expected a cursor string");
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad("it does not decode");
  }
  if (!isPlainObject(payload) || typeof payload.k !== "string" || !Array.isArray(payload.v)) throw bad("unexpected content");
  if (payload.k !== (CURSOR_HEADS.get(orderBy)?.key ?? cursorKey(orderBy)) || payload.v.length !== orderBy.length)
    throw bad("it was made for a different orderBy");
  return payload.v.map((raw: unknown, i: number) => {
    const f = orderBy[i]!.field;
    let value: unknown = raw;
    if (isPlainObject(raw)) {
      if (typeof raw.d === "string") value = raw.d;
      else if (typeof raw.b === "string" && /^-?\d{1,20}$/.test(raw.b)) value = BigInt(raw.b);
      else throw bad(`value ${i} is malformed`);
    }
    if (value === null) return null;
    try {
      return validateValue({ ...f, nullable: true, maxLength: undefined }, value, `after[${i}]`);
    } catch {
      throw bad(`value ${i} does not fit field '${f.name}'`);
    }
  });
}

/** Raised by adapters when a single-record filter matched several rows. */
export function ambiguousMatch(model: Model, node: string): AmbiguousMatchError {
  return new AmbiguousMatchError(`${node}: the filter matches more than one ${model.name}; nothing was changed`, {
    field: "filter",
    fix: "Use the id, or a filter on a unique field; use the Bulk node to change several rows",
  });
}
