// JSON Schemas (draft 2020-12) of the generated nodes' params and outputs, the run-time mirror of
// the type-level contract in typed.ts. They describe; the nodes' own checks stay the authority.
import type { Model, ModelField, ModelOperationName } from "./model.js";
import { FILTER_OPERATORS } from "./filter.js";
import type { ParamSpec, ParamsSchema } from "./params.js";

export type JsonSchema = { readonly [key: string]: unknown };

const OPERATION_DESCRIPTIONS: Record<ModelOperationName, string> = {
  Create: "Creates one {model} and returns the stored row.",
  Read: "Reads one {model} by id or by a filter matching at most one row.",
  Update: "Updates one {model} (by id or a filter matching one row) and returns the updated row.",
  Delete: "Deletes one {model} by id or by a filter matching one row.",
  List: "Lists {model} rows with an optional filter, orderBy, limit and keyset cursor (after).",
  Count: "Counts {model} rows matching an optional filter.",
  Upsert: "Creates or updates one {model} matched by `where`.",
  BulkCreate: "Creates many {model} rows.",
  BulkUpdate: "Updates every {model} row matching a filter.",
  BulkDelete: "Deletes every {model} row matching a filter.",
  BulkUpsert: "Creates or updates many {model} rows by their conflict fields.",
};

export function operationDescription(model: Model, op: ModelOperationName): string {
  return OPERATION_DESCRIPTIONS[op].replace("{model}", model.name);
}

function nullable(schema: Record<string, unknown>, field: ModelField): JsonSchema {
  if (!field.nullable) return schema;
  if (typeof schema.type === "string") return { ...schema, type: [schema.type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

/** A value of the field as JSON carries it: `direction` "in" is what input accepts, "out" what results hold. */
export function fieldSchema(field: ModelField, direction: "in" | "out"): JsonSchema {
  let schema: Record<string, unknown>;
  switch (field.kind) {
    case "string":
      schema = { type: "string", ...(field.maxLength ? { maxLength: field.maxLength } : {}) };
      break;
    case "text":
      schema = { type: "string" };
      break;
    case "uuid":
      schema = { type: "string", format: "uuid" };
      break;
    case "enum":
      schema = { type: "string", enum: [...(field.enumValues ?? [])] };
      break;
    case "int":
      schema = { type: "integer" };
      break;
    case "bigint":
      // JSON has no 64-bit integer: results carry it as a decimal string; input takes either.
      schema = direction === "out" ? { type: "string", pattern: "^-?[0-9]+$" } : { anyOf: [{ type: "integer" }, { type: "string", pattern: "^-?[0-9]+$" }] };
      break;
    case "float":
      schema = { type: "number" };
      break;
    case "decimal":
      schema = { type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?$", description: `decimal(${field.precision}, ${field.scale}) as a string` };
      break;
    case "boolean":
      schema = { type: "boolean" };
      break;
    case "datetime":
      schema = { type: "string", format: "date-time" };
      break;
    case "date":
      schema = { type: "string", format: "date" };
      break;
    case "json":
      schema = {};
      break;
    case "vector":
      schema = { type: "array", items: { type: "number" }, minItems: field.dimensions, maxItems: field.dimensions };
      break;
  }
  return nullable(schema, field);
}

/** A row as results return it (every column, system columns included). */
export function rowSchema(model: Model): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of model.fields) properties[f.name] = fieldSchema(f, "out");
  return { type: "object", title: model.name, properties, required: model.fields.filter((f) => !f.nullable).map((f) => f.name) };
}

function writable(model: Model): ModelField[] {
  return model.fields.filter((f) => !f.system || (f.primaryKey && f.autoIncrement));
}

/** `data` of a Create: the declared fields; required unless optional, defaulted or generated. */
export function createDataSchema(model: Model): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const f of writable(model)) {
    properties[f.name] = fieldSchema(f, "in");
    if (!f.nullable && f.default === undefined && !f.autoIncrement) required.push(f.name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** `fields` of an Update: any declared field but `id`. */
export function updateFieldsSchema(model: Model): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const f of writable(model)) if (!f.primaryKey) properties[f.name] = fieldSchema(f, "in");
  return { type: "object", properties, additionalProperties: false };
}

/** Compact on purpose (large schemas cost clients): names the fields and operators, leaves values to the node's check. */
export function filterSchema(model: Model): JsonSchema {
  return {
    type: "object",
    description: `DataFlow filter: { field: value } or { field: { $op: value } } with ${FILTER_OPERATORS.join(" ")}; $and/$or/$not at any depth.`,
    propertyNames: { enum: [...model.fieldNames, "$and", "$or", "$not"] },
  };
}

function orderBySchema(model: Model): JsonSchema {
  const name = { type: "string", pattern: `^[-+]?(${model.fieldNames.join("|")})$` };
  return {
    description: '"name", "-created_at", ["-age", "name"] or { age: "desc" }',
    anyOf: [
      name,
      { type: "array", items: name },
      { type: "object", propertyNames: { enum: model.fieldNames }, additionalProperties: { enum: ["asc", "desc", 1, -1] } },
    ],
  };
}

function fieldList(model: Model): JsonSchema {
  return { type: "array", items: { enum: model.fieldNames }, uniqueItems: true };
}

function object(properties: Record<string, JsonSchema>, required: readonly string[] = [], description?: string): JsonSchema {
  return { type: "object", ...(description ? { description } : {}), properties, required: [...required], additionalProperties: false };
}

/** The params of one generated node, as one object schema. */
export function operationParamsSchema(model: Model, op: ModelOperationName): JsonSchema {
  const id = fieldSchema(model.primaryKey, "in");
  const filter = filterSchema(model);
  const target = { id, filter };
  const includeDeleted = { type: "boolean" };
  const raiseOnNotFound = { type: "boolean", description: "Default true: a missing row is a NotFoundError" };
  const row = createDataSchema(model);
  const batchSize = { type: "integer", minimum: 1 };
  switch (op) {
    case "Create":
      return object({ data: row }, ["data"]);
    case "Read":
      return object({ ...target, includeDeleted, raiseOnNotFound }, [], "Give id or filter");
    case "Update":
      return object({ ...target, fields: updateFieldsSchema(model) }, ["fields"], "Give id or filter");
    case "Delete":
      return object({ ...target, raiseOnNotFound }, [], "Give id or filter");
    case "List":
      return object({
        filter,
        orderBy: orderBySchema(model),
        limit: { type: "integer", minimum: 0 },
        offset: { type: "integer", minimum: 0 },
        after: { type: "string", description: "nextCursor of the previous page (keyset pagination)" },
        select: fieldList(model),
        includeDeleted,
      });
    case "Count":
      return object({ filter, includeDeleted });
    case "Upsert":
      return object({ where: updateFieldsSchema(model), create: updateFieldsSchema(model), update: updateFieldsSchema(model), conflictOn: fieldList(model) }, [
        "where",
      ]);
    case "BulkCreate":
      return object(
        {
          data: { type: "array", items: row },
          batchSize,
          onConflict: { enum: ["error", "skip", "update"] },
          conflictOn: fieldList(model),
          update: fieldList(model),
        },
        ["data"],
      );
    case "BulkUpdate":
      return object({ filter, fields: updateFieldsSchema(model), all: { type: "boolean" }, includeDeleted }, ["filter", "fields"]);
    case "BulkDelete":
      return object({ filter, all: { type: "boolean" } }, ["filter"]);
    case "BulkUpsert":
      return object({ data: { type: "array", items: row }, conflictOn: fieldList(model), update: fieldList(model), batchSize }, ["data", "conflictOn"]);
  }
}

const count = { type: "integer", minimum: 0 };

/** What one generated node returns (its value in `results`). */
export function operationOutputSchema(model: Model, op: ModelOperationName): JsonSchema {
  const row = rowSchema(model);
  switch (op) {
    case "Create":
    case "Update":
      return object({ result: row }, ["result"]);
    case "Read":
      return object({ result: { anyOf: [row, { type: "null" }] }, found: { type: "boolean" } }, ["result", "found"]);
    case "Delete":
      return object({ result: object({ id: fieldSchema(model.primaryKey, "out"), deleted: { type: "boolean" } }, ["id", "deleted"]) }, ["result"]);
    case "List":
      return object({ result: { type: "array", items: row }, count, nextCursor: { type: "string" } }, ["result", "count"]);
    case "Count":
      return object({ result: count }, ["result"]);
    case "Upsert":
      return object({ result: row, created: { type: "boolean" } }, ["result", "created"]);
    case "BulkCreate":
      return object({ result: object({ inserted: count, skipped: count, updated: count }, ["inserted", "skipped", "updated"]) }, ["result"]);
    case "BulkUpdate":
      return object({ result: object({ updated: count }, ["updated"]) }, ["result"]);
    case "BulkDelete":
      return object({ result: object({ deleted: count }, ["deleted"]) }, ["result"]);
    case "BulkUpsert":
      return object({ result: object({ inserted: count, updated: count }, ["inserted", "updated"]) }, ["result"]);
  }
}

function specSchema(spec: ParamSpec): JsonSchema {
  const type = spec.type === undefined || spec.type === "any" ? {} : { type: spec.type };
  return spec.description ? { ...type, description: spec.description } : type;
}

/** The params of a custom node declared with a `ParamsSchema` (a Standard Schema node: any object). */
export function customParamsSchema(params: ParamsSchema, standard: boolean): JsonSchema {
  if (standard) return { type: "object" };
  const properties: Record<string, JsonSchema> = {};
  for (const name of Object.keys(params)) properties[name] = specSchema(params[name]!);
  return object(
    properties,
    Object.keys(params).filter((n) => params[n]!.required),
  );
}

/** The schema at a dotted path inside an object schema; `{}` (anything) where the schema does not say. */
export function schemaAt(schema: JsonSchema, path: readonly string[]): { schema: JsonSchema; required: boolean } {
  let current = schema;
  let required = true;
  for (const segment of path) {
    const properties = current.properties as Record<string, JsonSchema> | undefined;
    if (!properties || !Object.hasOwn(properties, segment)) return { schema: {}, required: false };
    required &&= Array.isArray(current.required) && (current.required as string[]).includes(segment);
    current = properties[segment]!;
  }
  return { schema: current, required };
}
