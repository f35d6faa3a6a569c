import type { DiscoveredColumn, DiscoveredSchema, DiscoveredTable } from "./discovered.js";
import { SchemaError, UnsupportedColumnTypeError, UnsupportedPrimaryKeyError, ValidationError } from "./errors.js";
import type { AnyField, FieldKind, FieldsShape, ReferenceTarget, ReferentialAction } from "./field.js";
import { field } from "./field.js";
import { assertIdentifier } from "./identifiers.js";
import type { IndexSpec, ModelOptions } from "./model.js";
import { DELETED_AT } from "./model.js";

/** One field of a model planned from a discovered table (field name = column name). */
export interface PlannedField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly optional: boolean;
  readonly unique: boolean;
  readonly index: boolean;
  readonly maxLength?: number;
  readonly precision?: number;
  readonly scale?: number;
  readonly enumValues?: readonly string[];
  readonly dimensions?: number;
  /** A literal default, converted to the field's JS type. */
  readonly default?: string | number | boolean;
  /** A database default that is not a literal (kept by the database, not by the model). */
  readonly databaseDefault?: string;
  readonly references?: { readonly table: string; readonly onDelete: ReferentialAction; readonly onUpdate: ReferentialAction };
  readonly comment?: string;
}

/** A model planned from a discovered table or view. */
export interface PlannedModel {
  readonly name: string;
  readonly table: string;
  readonly view: boolean;
  readonly comment?: string;
  /** The primary key column: `id`, or the model's `primaryKey` option. */
  readonly key: string;
  /** The key field when it is not DataFlow's default (an auto-increment integer). */
  readonly id: PlannedField | undefined;
  readonly fields: readonly PlannedField[];
  readonly timestamps: boolean;
  readonly softDelete: boolean;
  readonly indexes: readonly IndexSpec[];
  /** What the model leaves out (composite foreign keys, expression defaults), for the generated module's comments. */
  readonly notes: readonly string[];
}

const ID_KINDS: readonly FieldKind[] = ["int", "bigint", "string", "uuid"];
const INTEGER_KINDS: readonly FieldKind[] = ["int", "bigint"];

/** `order_items` -> `OrderItem`. */
export function modelNameFor(table: string): string {
  const words = table.split(/_+/).filter(Boolean);
  const last = words.pop() ?? table;
  const singular = /ies$/i.test(last)
    ? `${last.slice(0, -3)}y`
    : /(ss|x|ch|sh)es$/i.test(last)
      ? last.slice(0, -2)
      : /[^siu]s$/i.test(last)
        ? last.slice(0, -1)
        : last;
  const name = [...words, singular].map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
  return /^[A-Za-z]/.test(name) ? name : `T${name}`;
}

function where(table: DiscoveredTable, column?: string): string {
  return column === undefined ? `'${table.name}'` : `'${table.name}.${column}'`;
}

function literalFor(kind: FieldKind, value: string | number | boolean): string | number | boolean | undefined {
  switch (kind) {
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === 0 || value === "0") return false;
      if (value === 1 || value === "1") return true;
      return undefined;
    case "int":
    case "float": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      return Number.isFinite(n) && (kind === "float" || Number.isSafeInteger(n)) ? n : undefined;
    }
    case "string":
    case "text":
    case "enum":
    case "uuid":
    case "date":
      return typeof value === "string" ? value : undefined;
    case "decimal":
      return typeof value === "number" || typeof value === "string" ? String(value) : undefined;
    default:
      return undefined;
  }
}

/** A table's single primary key column, if it has one. */
type KeyOf = (table: string) => string | undefined;

function planField(table: DiscoveredTable, column: DiscoveredColumn, keyOf: KeyOf): PlannedField {
  if (column.kind === undefined) {
    throw new UnsupportedColumnTypeError(`Column ${where(table, column.name)} has type '${column.nativeType}', which no DataFlow field kind reads`, {
      field: `${table.name}.${column.name}`,
      fix: `Leave the table out with { tables: [...] }, or change the column to a supported type (see the adapter README's type table)`,
    });
  }
  if (column.kind === "vector" && !column.dimensions) {
    throw new UnsupportedColumnTypeError(`Column ${where(table, column.name)} is a vector without a fixed dimension`, {
      field: `${table.name}.${column.name}`,
    });
  }
  const literal = column.default?.value === undefined ? undefined : literalFor(column.kind, column.default.value);
  const unique = table.indexes.some(
    (ix) => ix.unique && ix.columns.length === 1 && ix.columns[0] === column.name && ix.name === `ux_${table.name}_${column.name}`,
  );
  const index =
    !unique &&
    table.indexes.some((ix) => !ix.unique && ix.columns.length === 1 && ix.columns[0] === column.name && ix.name === `ix_${table.name}_${column.name}`);
  const fk = table.foreignKeys.find((k) => k.columns.length === 1 && k.columns[0] === column.name && referencesKey(k, keyOf));
  return {
    name: column.name,
    kind: column.kind,
    optional: column.nullable,
    unique,
    index,
    ...(column.kind === "string" && column.maxLength !== undefined ? { maxLength: column.maxLength } : {}),
    ...(column.kind === "decimal" && column.precision !== undefined ? { precision: column.precision, scale: column.scale ?? 0 } : {}),
    ...(column.kind === "enum" && column.enumValues ? { enumValues: column.enumValues } : {}),
    ...(column.kind === "vector" ? { dimensions: column.dimensions } : {}),
    ...(literal !== undefined ? { default: literal } : column.default && !column.autoIncrement ? { databaseDefault: column.default.expression } : {}),
    ...(fk ? { references: { table: fk.referencedTable, onDelete: fk.onDelete, onUpdate: fk.onUpdate } } : {}),
    ...(column.comment ? { comment: column.comment } : {}),
  };
}

function referencesKey(fk: DiscoveredTable["foreignKeys"][number], keyOf: KeyOf): boolean {
  return fk.referencedColumns.length === 1 && fk.referencedColumns[0] === keyOf(fk.referencedTable);
}

/** The column a model of `table` uses as its key; throws for the keys a model cannot address. */
function keyColumn(table: DiscoveredTable): DiscoveredColumn {
  if (table.kind === "view") {
    const id = table.columns.find((c) => c.name === "id");
    if (!id) {
      throw new UnsupportedPrimaryKeyError(
        `View ${where(table)} has no 'id' column, which a model needs as its key`,
        { table: table.name, columns: [] },
        { fix: "Select a unique column AS id in the view, or leave it out with { tables: [...] }" },
      );
    }
    return id;
  }
  const pk = table.primaryKey;
  if (pk.length !== 1) {
    const what = pk.length === 0 ? "has no primary key" : `has the composite primary key (${pk.join(", ")})`;
    throw new UnsupportedPrimaryKeyError(
      `Table ${where(table)} ${what}; a model addresses rows by one key column`,
      { table: table.name, columns: [...pk] },
      {
        fix:
          "Add a single-column surrogate key (e.g. an auto-increment column as the primary key, with a unique constraint on the old key), " +
          "read it through a view that selects a unique column AS id (read-only), or leave it out with { tables: [...] }",
      },
    );
  }
  const column = table.columns.find((c) => c.name === pk[0]);
  if (!column) throw new SchemaError(`Table ${where(table)} has a primary key column '${pk[0]}' that is not among its columns`, { field: table.name });
  if (column.name !== "id" && table.columns.some((c) => c.name === "id")) {
    throw new UnsupportedPrimaryKeyError(
      `Table ${where(table)} has the primary key '${column.name}' and another column named 'id'; a model takes its key's value as 'id'`,
      { table: table.name, columns: [column.name] },
      { fix: "Read it through a view that renames the 'id' column, or leave it out with { tables: [...] }" },
    );
  }
  return column;
}

/**
 * `textKeys`: a TEXT key column plans as `field.string()`. Only on SQLite, where both are stored as
 * TEXT; elsewhere `field.string()` is a VARCHAR, and a TEXT key stays an error.
 */
function planTable(table: DiscoveredTable, selected: ReadonlySet<string>, usedNames: Set<string>, keyOf: KeyOf, textKeys: boolean): PlannedModel {
  try {
    assertIdentifier(table.name, "Table name");
    for (const c of table.columns) assertIdentifier(c.name, `Column name of table '${table.name}'`);
  } catch (error) {
    throw new SchemaError(`Table ${where(table)} has a name DataFlow cannot use as a model or field name`, {
      cause: error,
      field: table.name,
      fix: "Leave it out with { tables: [...] } (column name mapping is not supported yet)",
    });
  }
  const keyed = keyColumn(table);
  const idColumn: DiscoveredColumn = textKeys && keyed.kind === "text" ? { ...keyed, kind: "string" } : keyed;
  if (idColumn.kind === undefined || !ID_KINDS.includes(idColumn.kind)) {
    throw new UnsupportedColumnTypeError(
      `Column ${where(table, idColumn.name)} has type '${idColumn.nativeType}'; a model key must be an integer, string or uuid`,
      { field: `${table.name}.${idColumn.name}` },
    );
  }
  const names = new Set(table.columns.map((c) => c.name));
  const timestamps = names.has("created_at") && names.has("updated_at");
  for (const managed of ["created_at", "updated_at"]) {
    if (names.has(managed) && !timestamps) {
      throw new SchemaError(`Column ${where(table, managed)} would be managed by DataFlow, which needs both created_at and updated_at`, {
        field: `${table.name}.${managed}`,
        fix: "Leave the table out with { tables: [...] } (column name mapping is not supported yet)",
      });
    }
  }
  const softDelete = names.has(DELETED_AT);
  const managed = new Set([idColumn.name, ...(timestamps ? ["created_at", "updated_at"] : []), ...(softDelete ? [DELETED_AT] : [])]);
  const notes: string[] = [];
  const fields: PlannedField[] = [];
  for (const column of table.columns) {
    if (managed.has(column.name)) continue;
    const planned = planField(table, column, keyOf);
    if (planned.references && !selected.has(planned.references.table)) {
      notes.push(`${column.name} references ${planned.references.table}, which is not among the pulled tables`);
      const { references: _dropped, ...rest } = planned;
      fields.push(rest);
    } else fields.push(planned);
    if (planned.databaseDefault !== undefined) notes.push(`${column.name} has the database default ${planned.databaseDefault}`);
  }
  for (const fk of table.foreignKeys) {
    if (fk.columns.length !== 1 || !referencesKey(fk, keyOf)) {
      notes.push(
        `foreign key ${fk.name} (${fk.columns.join(", ")}) -> ${fk.referencedTable} (${fk.referencedColumns.join(", ")}) is kept by the database only`,
      );
    }
  }
  const planFields = new Set(fields.map((f) => f.name));
  const indexes: IndexSpec[] = [];
  for (const ix of table.indexes) {
    const single = ix.columns.length === 1 ? ix.columns[0]! : undefined;
    if (single !== undefined && ix.name === `${ix.unique ? "ux" : "ix"}_${table.name}_${single}` && planFields.has(single)) continue;
    // MySQL gives every foreign key an index named after it; it comes back with the key.
    if (table.foreignKeys.some((k) => k.name === ix.name && k.columns.join() === ix.columns.join())) continue;
    if (ix.columns.every((c) => names.has(c))) indexes.push({ name: ix.name, fields: [...ix.columns], unique: ix.unique });
  }
  let name = modelNameFor(table.name);
  if (usedNames.has(name.toLowerCase())) name = modelNameFor(`${table.name}_${table.kind}`);
  if (usedNames.has(name.toLowerCase())) {
    throw new ValidationError(`Tables '${table.name}' and another one map to the same model name '${name}'`, {
      field: table.name,
      fix: "Pull them separately",
    });
  }
  usedNames.add(name.toLowerCase());
  const defaultId = idColumn.autoIncrement && INTEGER_KINDS.includes(idColumn.kind);
  return {
    name,
    table: table.name,
    view: table.kind === "view",
    ...(table.comment ? { comment: table.comment } : {}),
    key: idColumn.name,
    id: defaultId ? undefined : { ...planField(table, idColumn, keyOf), optional: false },
    fields,
    timestamps,
    softDelete,
    indexes,
    notes,
  };
}

/**
 * The models for a discovered schema's tables and views (all, or `tables`): one field per column,
 * named as the column. Throws, naming the table or `table.column`, for what a model cannot hold.
 */
export function planModels(schema: DiscoveredSchema, options: { tables?: readonly string[] } = {}): PlannedModel[] {
  const byName = new Map(schema.tables.map((t) => [t.name, t] as const));
  let tables: DiscoveredTable[];
  if (options.tables !== undefined) {
    if (!Array.isArray(options.tables)) throw new ValidationError("tables must be an array of table names", { field: "tables" });
    tables = options.tables.map((name) => {
      const t = byName.get(name);
      if (!t) throw new ValidationError(`Table '${String(name)}' is not in the database`, { field: "tables", fix: `Known: ${[...byName.keys()].join(", ")}` });
      return t;
    });
  } else tables = [...schema.tables];
  const selected = new Set(tables.map((t) => t.name));
  const used = new Set<string>();
  const keyOf: KeyOf = (name) => {
    const t = byName.get(name);
    if (!t) return "id"; // a table outside the schema read: as before, only a key named id becomes a reference
    return t.kind === "table" && t.primaryKey.length === 1 ? t.primaryKey[0] : undefined;
  };
  return tables.map((t) => planTable(t, selected, used, keyOf, schema.database === "sqlite"));
}

function fieldOf(plan: PlannedField, resolve: (table: string) => ReferenceTarget | undefined): AnyField {
  let f: AnyField;
  switch (plan.kind) {
    case "string":
      f = field.string(plan.maxLength === undefined ? {} : { maxLength: plan.maxLength });
      break;
    case "decimal":
      f = field.decimal(plan.precision === undefined ? {} : { precision: plan.precision, scale: plan.scale ?? 0 });
      break;
    case "enum":
      f = field.enum(plan.enumValues as [string, ...string[]]);
      break;
    case "vector":
      f = field.vector(plan.dimensions ?? 0);
      break;
    default:
      f = field[plan.kind]();
  }
  if (plan.optional) f = f.optional();
  if (plan.default !== undefined) f = f.default(plan.default);
  if (plan.unique) f = f.unique();
  if (plan.index) f = f.index();
  const ref = plan.references;
  if (ref) {
    f = f.references(
      () => {
        const target = resolve(ref.table);
        if (!target) throw new SchemaError(`Table '${ref.table}' has no model`, { field: plan.name });
        return target;
      },
      { onDelete: ref.onDelete, onUpdate: ref.onUpdate },
    );
  }
  return f;
}

/** The field declarations of a planned model; references resolve through `resolve(table)`. */
export function fieldsOfPlan(plan: PlannedModel, resolve: (table: string) => ReferenceTarget | undefined): FieldsShape {
  const shape: FieldsShape = {};
  if (plan.id) shape[plan.key] = fieldOf(plan.id, resolve);
  for (const f of plan.fields) shape[f.name] = fieldOf(f, resolve);
  return shape;
}

/** The options of a planned model registered on an existing table: no DDL, views read-only. */
export function modelOptionsOfPlan(plan: PlannedModel): ModelOptions {
  return {
    table: plan.table,
    timestamps: plan.timestamps,
    softDelete: plan.softDelete,
    existing: true,
    ...(plan.key === "id" ? {} : { primaryKey: plan.key }),
    ...(plan.view ? { readOnly: true } : {}),
    ...(plan.indexes.length > 0 ? { indexes: plan.indexes } : {}),
  };
}
