import type { Model, ModelField, ReferenceTarget } from "@dataflow/kernel/plugin";
import { ForeignKeyViolationError, SchemaError } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";
import { fitIdentifier } from "./dialect.js";

/** A foreign key of a model field, resolved for DDL. */
export interface ForeignKey {
  readonly name: string;
  readonly table: string;
  readonly column: string;
  readonly referencedTable: string;
  /** `"schema"."table"` or `"table"`, quoted. */
  readonly referencedReference: string;
  readonly referencedColumn: string;
  readonly onDelete: string;
  readonly onUpdate: string;
}

const INTEGER = new Set(["int", "bigint"]);

/** Foreign keys DDL created, by constraint name, per dialect: names a violation's field when the database reports only the constraint. */
const known = new WeakMap<Dialect, Map<string, ForeignKey>>();

function remember(d: Dialect, fk: ForeignKey): void {
  let byName = known.get(d);
  if (!byName) known.set(d, (byName = new Map()));
  byName.set(fk.name, fk);
}

export function foreignKeyName(d: Dialect, table: string, column: string): string {
  return fitIdentifier(`fk_${table}_${column}`, d.maxIdentifierLength);
}

/** The foreign key of `field`, checked against its target; undefined when it has none. */
export function foreignKeyOf(d: Dialect, model: Model, field: ModelField): ForeignKey | undefined {
  const ref = field.references;
  if (!ref) return undefined;
  let target: ReferenceTarget;
  try {
    target = ref.target();
  } catch (error) {
    throw new SchemaError(`The reference of ${model.name}.${field.name} cannot be resolved`, {
      cause: error,
      field: field.name,
      fix: "Pass the model, or a function returning a model declared before the first use: references(() => User)",
    });
  }
  const pk = target.primaryKey;
  const compatible = field.kind === pk.kind || (INTEGER.has(field.kind) && INTEGER.has(pk.kind)) || (field.kind === "string" && pk.kind === "uuid");
  if (!compatible) {
    throw new SchemaError(`${model.name}.${field.name} is ${field.kind} but references ${target.name}'s ${pk.kind} primary key`, {
      field: field.name,
      fix: `Declare ${field.name} as field.${pk.kind}()`,
    });
  }
  const schema = target.schema ?? model.schema;
  const fk: ForeignKey = {
    name: foreignKeyName(d, model.table, field.name),
    table: model.table,
    column: field.name,
    referencedTable: target.table,
    referencedReference: schema === undefined ? d.quote(target.table) : `${d.quote(schema)}.${d.quote(target.table)}`,
    referencedColumn: pk.name,
    onDelete: ref.onDelete.toUpperCase(),
    onUpdate: ref.onUpdate.toUpperCase(),
  };
  remember(d, fk);
  return fk;
}

/** `REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION`. */
export function referencesClause(d: Dialect, fk: ForeignKey): string {
  return `REFERENCES ${fk.referencedReference} (${d.quote(fk.referencedColumn)}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`;
}

/** The table constraint of a foreign key, for CREATE TABLE and ALTER TABLE ADD. */
export function foreignKeyConstraint(d: Dialect, fk: ForeignKey): string {
  return `CONSTRAINT ${d.quote(fk.name)} FOREIGN KEY (${d.quote(fk.column)}) ${referencesClause(d, fk)}`;
}

/**
 * A `ForeignKeyViolationError` naming the field. From the constraint name when the database gives
 * it (PostgreSQL, MySQL); else (SQLite) the model's own foreign-key fields, or the fields of other
 * tables known to reference the model's table (a delete of a referenced row).
 */
export function foreignKeyViolation(
  d: Dialect,
  model: Model | undefined,
  found: { constraint?: string; table?: string; column?: string; operation?: string },
  cause: unknown,
): ForeignKeyViolationError {
  const byName = known.get(d);
  const fk = found.constraint ? byName?.get(found.constraint) : undefined;
  let fields: string[] = [];
  let parentSide = false;
  if (fk && model && fk.table === model.table) fields = [fk.column];
  else if (fk) {
    fields = [`${fk.table}.${fk.column}`];
    parentSide = true;
  } else if (found.table && found.column) {
    parentSide = model !== undefined && found.table !== model.table;
    fields = [parentSide ? `${found.table}.${found.column}` : found.column];
  } else if (model) {
    // A delete can only break references to its rows; other writes, their own references first.
    const deleting = found.operation === "Delete" || found.operation === "BulkDelete";
    fields = deleting ? [] : model.fields.filter((f) => f.references).map((f) => f.name);
    if (fields.length === 0) {
      fields = [...(byName?.values() ?? [])].filter((k) => k.referencedTable === model.table).map((k) => `${k.table}.${k.column}`);
      parentSide = true;
    }
  }
  const field = fields.join(",");
  const owner = model ? ` of ${model.name}` : "";
  if (parentSide) {
    return new ForeignKeyViolationError(`The row${owner} is still referenced${field ? ` by ${field}` : ""}`, {
      cause,
      ...(field ? { field } : {}),
      fix: 'Delete or re-point the referencing rows first, or declare the reference with { onDelete: "cascade" } or "set null"',
    });
  }
  return new ForeignKeyViolationError(`${field ? `'${field}'${owner}` : `A field${owner}`} references a row that does not exist`, {
    cause,
    ...(field ? { field } : {}),
    fix: "Create the referenced row first, or pass the id of an existing one",
  });
}
