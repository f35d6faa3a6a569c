import type { FieldKind, Model, ModelField } from "@dataflow/kernel/plugin";
import { SchemaDriftError } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";

/** A live column as `catalog.columnDetails` reports it. */
export interface LiveColumn {
  readonly type: string;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly auto: boolean;
}

const truthy = (v: unknown) => v === true || v === 1 || v === 1n || v === "1" || v === "t" || v === "true";

export function liveColumn(row: Record<string, unknown>): LiveColumn {
  return { type: String(row.type ?? ""), nullable: truthy(row.nullable), hasDefault: truthy(row.has_default), auto: truthy(row.auto) };
}

/** Kinds that read and write the same stored values (an `int` field on a BIGINT column, a `string` on TEXT): equal for compatible kinds. */
export function kindFamily(kind: FieldKind): string {
  if (kind === "int" || kind === "bigint" || kind === "boolean") return "integer";
  if (kind === "string" || kind === "text" || kind === "enum") return "text";
  return kind;
}

/**
 * Refuses a live table that disagrees with the model where DataFlow will not repair it: a NOT NULL
 * column without a default that the model lacks (every Create would fail), or a column whose type
 * stores another kind of value than the field's (compared through the kind the dialect reads each
 * type as, so an `int` field on an INTEGER or BIGINT column both pass).
 */
export function checkDrift(d: Dialect, model: Model, live: ReadonlyMap<string, LiveColumn | undefined>): void {
  for (const [name, column] of live) {
    if (!column || model.hasField(name) || column.nullable || column.hasDefault || column.auto) continue;
    throw new SchemaDriftError(
      `Table '${model.table}' has a required column '${name}' (NOT NULL, no default) that model ${model.name} does not declare, so every Create would fail`,
      { table: model.table, column: name },
      {
        fix: `Add the field '${name}' to the model, or make the column nullable or give it a default (a migration: ALTER TABLE ${model.table} ... '${name}')`,
      },
    );
  }
  const kindOf = d.catalog.discovery?.columnKind;
  if (!kindOf) return;
  for (const f of model.fields) {
    const column = live.get(f.name);
    if (!column) continue;
    const stored = kindOf(column.type)?.kind;
    const wanted = expectedKind(d, f, kindOf);
    if (stored === undefined || wanted === undefined || kindFamily(stored) === kindFamily(wanted)) continue;
    throw new SchemaDriftError(
      `Column '${model.table}.${f.name}' is ${column.type} (${stored}) in the database, but model ${model.name} declares it ${f.kind}`,
      { table: model.table, column: f.name },
      {
        fix: `Declare the field as field.${stored}() to use the column as it is, or migrate the column to the new type (add a new column, copy the converted values, then drop the old one)`,
      },
    );
  }
}

function expectedKind(d: Dialect, f: ModelField, kindOf: (type: string) => { kind: FieldKind } | undefined): FieldKind | undefined {
  if (f.primaryKey && f.autoIncrement) return f.kind;
  return kindOf(d.columnType(f))?.kind;
}

/** The error for model fields the table lacks while DataFlow may not add them. */
export function missingColumns(model: Model, missing: readonly ModelField[], existingOnly: boolean): SchemaDriftError {
  const names = missing.map((f) => f.name);
  return new SchemaDriftError(
    `Table '${model.table}' lacks column(s) ${names.join(", ")} of model ${model.name}`,
    { table: model.table, column: names[0]! },
    {
      fix: existingOnly
        ? `Add the column(s) to the table, or remove the field(s) from the model`
        : `Add the column(s) with a migration, enable autoMigrate to let DataFlow add new columns, or remove the field(s) from the model`,
    },
  );
}
