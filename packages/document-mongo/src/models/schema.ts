import type { Model, ModelField } from "@dataflow/kernel/plugin";
import { SchemaError } from "@dataflow/kernel/plugin";
import type { Db, Document } from "mongodb";
import { toBson } from "../codec.js";
import type { DocumentLayout } from "./layout.js";
import { SEQUENCES } from "./sequence.js";

/** Decimal128 holds 34 significant digits. */
export const MAX_DECIMAL_PRECISION = 34;

const BSON_TYPES: Record<string, readonly string[] | undefined> = {
  string: ["string"],
  text: ["string"],
  uuid: ["string"],
  enum: ["string"],
  date: ["string"],
  // The driver sends integral numbers as int32 when they fit, else as double.
  int: ["int", "long", "double"],
  float: ["double", "int", "long"],
  bigint: ["long", "int"],
  decimal: ["decimal"],
  boolean: ["bool"],
  datetime: ["date"],
  vector: ["array"],
  json: undefined,
};

function property(field: ModelField): Document {
  const types = BSON_TYPES[field.kind];
  const p: Document = {};
  if (types) p.bsonType = field.nullable ? [...types, "null"] : types.length === 1 ? types[0] : [...types];
  if (field.kind === "enum" && field.enumValues) p.enum = field.nullable ? [...field.enumValues, null] : [...field.enumValues];
  return p;
}

/** The collection's `$jsonSchema`: one property per model field; `required` lists the fields every document has. */
export function jsonSchemaOf(model: Model, layout: DocumentLayout, required: readonly string[]): Document {
  const properties: Document = {};
  for (const f of model.fields) properties[layout.path(f)] = property(f);
  return { bsonType: "object", required: [...required], properties };
}

function staticDefault(field: ModelField): { value: unknown } | undefined {
  return field.default && "value" in field.default ? field.default : undefined;
}

/** One `$type` for a partial index filter (which takes no arrays of types): numbers are "number". */
function partialType(field: ModelField): string {
  const types = BSON_TYPES[field.kind]!;
  return types.length === 1 ? types[0]! : "number";
}

/** The model's indexes as createIndexes specs. Unique indexes skip documents whose nullable keys are null (SQL's NULLs never collide). */
export function indexSpecs(model: Model, layout: DocumentLayout): Document[] {
  const specs: Document[] = model.indexes.map((ix) => {
    const fields = ix.fields.map((n) => model.field(n)!);
    const spec: Document = { name: ix.name, key: Object.fromEntries(fields.map((f) => [layout.path(f), 1])) };
    if (ix.unique) {
      spec.unique = true;
      const nullable = fields.filter((f) => f.nullable && BSON_TYPES[f.kind]);
      if (nullable.length) spec.partialFilterExpression = Object.fromEntries(nullable.map((f) => [layout.path(f), { $type: partialType(f) }]));
    }
    return spec;
  });
  if (layout.idPath !== "_id") specs.unshift({ name: `${model.table}_id_key`, key: { id: 1 }, unique: true });
  return specs;
}

interface Existing {
  /** Properties of the stored `$jsonSchema`; undefined when the server keeps no validator (or none was set). */
  readonly properties: Set<string> | undefined;
  readonly required: readonly string[];
}

async function existing(db: Db, name: string): Promise<Existing | undefined> {
  const [info] = await db.listCollections({ name }, { nameOnly: false }).toArray();
  if (!info) return undefined;
  const schema = (info as { options?: { validator?: { $jsonSchema?: Document } } }).options?.validator?.$jsonSchema;
  if (!schema?.properties) return { properties: undefined, required: [] };
  return { properties: new Set(Object.keys(schema.properties)), required: Array.isArray(schema.required) ? schema.required : [] };
}

function checkModel(model: Model): void {
  for (const f of model.fields) {
    if (f.kind === "decimal" && (f.precision ?? 0) > MAX_DECIMAL_PRECISION) {
      throw new SchemaError(
        `Field '${f.name}' of ${model.name} is decimal(${f.precision}, ${f.scale}); MongoDB's Decimal128 holds ${MAX_DECIMAL_PRECISION} digits`,
        {
          field: f.name,
          fix: `Declare field.decimal({ precision: ${MAX_DECIMAL_PRECISION} }) or less`,
        },
      );
    }
  }
}

const NAMESPACE_EXISTS = 48;

/**
 * Creates each model's collection with a `$jsonSchema` validator and its indexes; on an existing
 * collection adds new fields to the validator and fills static defaults into documents that lack
 * them. Never removes or retypes anything. `existingSchemaMode`: no changes at all, a missing
 * collection or field is a SchemaError; `autoMigrate: false`: existing collections stay as they are.
 */
export async function ensureCollections(
  db: Db,
  layout: DocumentLayout,
  models: readonly Model[],
  options: { autoMigrate: boolean; existingSchemaMode: boolean },
): Promise<void> {
  for (const model of models) {
    checkModel(model);
    if (model.primaryKey.autoIncrement && !options.existingSchemaMode) {
      await db.collection(SEQUENCES).createIndex({ collection: 1 }, { unique: true, name: "dataflow_sequences_collection" });
    }
    const name = model.table;
    const found = await existing(db, name);
    const initialRequired = [layout.idPath, ...model.fields.filter((f) => !f.nullable && !f.primaryKey).map((f) => f.name)];
    if (!found) {
      if (options.existingSchemaMode) {
        throw new SchemaError(`Collection '${name}' of model ${model.name} does not exist`, {
          fix: "Create it, or turn existingSchemaMode off so DataFlow creates it",
        });
      }
      try {
        await db.createCollection(name, { validator: { $jsonSchema: jsonSchemaOf(model, layout, initialRequired) } });
      } catch (error) {
        if ((error as { code?: number }).code !== NAMESPACE_EXISTS) throw error;
      }
      await db.command({ createIndexes: name, indexes: indexSpecs(model, layout) });
      continue;
    }
    const known = found.properties;
    const added = known ? model.fields.filter((f) => !known.has(layout.path(f))) : [];
    if (added.length > 0 && (options.existingSchemaMode || !options.autoMigrate)) {
      throw new SchemaError(`Collection '${name}' lacks field(s) ${added.map((f) => f.name).join(", ")} of model ${model.name}`, {
        fix: "Add them to the collection's validator, or enable autoMigrate to let DataFlow add them",
      });
    }
    if (options.existingSchemaMode || !options.autoMigrate) continue;
    // Without a stored validator (a server that keeps none, or a collection made elsewhere) every defaulted field is checked.
    const candidates = known ? added : model.fields;
    const filled: string[] = [];
    for (const f of candidates) {
      if (f.primaryKey) continue;
      const def = staticDefault(f);
      // As a new SQL column: the static default, else NULL, in every document that lacks the field.
      const value = def && def.value !== null ? toBson(f, def.value) : f.nullable ? null : undefined;
      if (value === undefined) continue;
      const p = layout.path(f);
      await db.collection(name).updateMany({ [p]: { $exists: false } }, { $set: { [p]: value } });
      if (value !== null) filled.push(p);
    }
    if (!known || added.length > 0) {
      const required = known ? [...new Set([...found.required, ...filled.filter((p) => !model.field(layout.fieldName(p))?.nullable)])] : initialRequired;
      // Moderate: documents stored before the validator existed are not checked until they match it.
      await db.command({ collMod: name, validator: { $jsonSchema: jsonSchemaOf(model, layout, required) }, ...(known ? {} : { validationLevel: "moderate" }) });
    }
    await db.command({ createIndexes: name, indexes: indexSpecs(model, layout) });
  }
}
