import type { Model } from "@dataflow/kernel/plugin";
import { UniqueViolationError } from "@dataflow/kernel/plugin";
import type { Dialect } from "./dialect.js";
import { indexName } from "./ddl.js";

/** The model fields behind a unique index/constraint name (as the database reports it). */
export function fieldsOfConstraint(dialect: Dialect, model: Model | undefined, constraint: string): string[] | undefined {
  if (!model) return undefined;
  for (const ix of model.indexes) if (ix.unique && indexName(dialect, ix) === constraint) return [...ix.fields];
  if (/pkey$|^PRIMARY$/i.test(constraint)) return [model.primaryKey.name];
  return undefined;
}

/** A `UniqueViolationError` naming the model and fields, never the values. */
export function uniqueViolation(model: Model | undefined, fields: readonly string[] | undefined, cause: unknown): UniqueViolationError {
  const names = fields && fields.length > 0 ? fields : ["(unknown)"];
  const where = model ? `${model.name}.${names.join(", ")}` : names.join(", ");
  return new UniqueViolationError(`Unique constraint violated on ${where}`, names, {
    cause,
    fix: "Another row already has this value; use Upsert, or BulkCreate with onConflict",
  });
}
