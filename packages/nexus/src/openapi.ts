// The OpenAPI 3.1 document of what a Nexus serves: one execute operation per visible workflow and
// the resource routes of each model whose workflows are visible.
import type { JsonSchema, NamedWorkflow } from "@dataflow/kernel";
import type { Model } from "@dataflow/kernel/plugin";
import { fieldSchema, rowSchema, updateFieldsSchema, createDataSchema } from "@dataflow/kernel/plugin";
import { executePath, resourcePath, schemaPath } from "./routes.js";

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
}

const PROBLEM: JsonSchema = {
  type: "object",
  description: "RFC 9457 problem details",
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errorClass: { type: "string" },
    code: { type: "string" },
    field: { type: "string" },
    fix: { type: "string" },
    nodeId: { type: "string" },
    runId: { type: "string" },
  },
  required: ["type", "title", "status", "detail", "errorClass", "code"],
};

const problemResponse = {
  description: "Refused or failed (problem details)",
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
};

function json(schema: JsonSchema, description = "OK") {
  return { description, content: { "application/json": { schema } } };
}

function responses(ok: JsonSchema) {
  return { "200": json(ok), "4XX": problemResponse, "5XX": problemResponse };
}

function idParam(model: Model) {
  return { name: "id", in: "path", required: true, schema: fieldSchema(model.primaryKey, "in") };
}

function listParams() {
  return [
    { name: "filter", in: "query", schema: { type: "string" }, description: 'A DataFlow filter as JSON, e.g. {"age":{"$gte":18}}' },
    { name: "orderBy", in: "query", schema: { type: "string" }, description: "Comma-separated fields, '-' for descending: -created_at,name" },
    { name: "limit", in: "query", schema: { type: "integer", minimum: 0 } },
    { name: "after", in: "query", schema: { type: "string" }, description: "nextCursor of the previous page" },
    { name: "select", in: "query", schema: { type: "string" }, description: "Comma-separated fields" },
  ];
}

function resourcePaths(model: Model, ops: ReadonlySet<string>, tag: string): Record<string, Record<string, unknown>> {
  const row = { $ref: `#/components/schemas/${model.qualifiedName}` };
  const collection: Record<string, unknown> = {};
  const item: Record<string, unknown> = {};
  if (ops.has("List")) {
    collection.get = {
      tags: [tag],
      operationId: `list${model.qualifiedName}`,
      summary: `List ${model.name} rows`,
      parameters: listParams(),
      responses: responses({
        type: "object",
        properties: { result: { type: "array", items: row }, count: { type: "integer" }, nextCursor: { type: "string" } },
      }),
    };
  }
  if (ops.has("Create")) {
    collection.post = {
      tags: [tag],
      operationId: `create${model.qualifiedName}`,
      summary: `Create a ${model.name}`,
      requestBody: { required: true, content: { "application/json": { schema: createDataSchema(model) } } },
      responses: { "201": json({ type: "object", properties: { result: row } }, "Created"), "4XX": problemResponse, "5XX": problemResponse },
    };
  }
  if (ops.has("Read")) {
    item.get = {
      tags: [tag],
      operationId: `read${model.qualifiedName}`,
      summary: `Read a ${model.name} by id`,
      parameters: [idParam(model)],
      responses: responses({ type: "object", properties: { result: row } }),
    };
  }
  if (ops.has("Update")) {
    item.patch = {
      tags: [tag],
      operationId: `update${model.qualifiedName}`,
      summary: `Update a ${model.name} by id`,
      parameters: [idParam(model)],
      requestBody: { required: true, content: { "application/json": { schema: updateFieldsSchema(model) } } },
      responses: responses({ type: "object", properties: { result: row } }),
    };
  }
  if (ops.has("Delete")) {
    item.delete = {
      tags: [tag],
      operationId: `delete${model.qualifiedName}`,
      summary: `Delete a ${model.name} by id`,
      parameters: [idParam(model)],
      responses: responses({ type: "object", properties: { result: { type: "object" } } }),
    };
  }
  const out: Record<string, Record<string, unknown>> = {};
  if (Object.keys(collection).length > 0) out[resourcePath(model)] = collection;
  if (Object.keys(item).length > 0) out[`${resourcePath(model)}/{id}`] = item;
  return out;
}

export function openApiDocument(workflows: readonly NamedWorkflow[], models: readonly Model[], info: OpenApiInfo, secured: boolean): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, JsonSchema> = { Problem: PROBLEM };
  for (const model of models) {
    const ops = new Set(workflows.filter((wf) => wf.model === model).map((wf) => wf.operation!));
    if (ops.size === 0) continue;
    schemas[model.qualifiedName] = rowSchema(model);
    Object.assign(paths, resourcePaths(model, ops, model.qualifiedName));
  }
  for (const wf of workflows) {
    const tag = wf.model?.qualifiedName ?? "Workflows";
    paths[executePath(wf.name)] = {
      post: {
        tags: [tag],
        operationId: `execute_${wf.name}`,
        summary: wf.description,
        "x-dataflow-access": wf.access,
        requestBody: {
          required: true,
          content: { "application/json": { schema: { type: "object", properties: { inputs: wf.inputSchema }, required: ["inputs"] } } },
        },
        responses: responses({ type: "object", properties: { results: wf.outputSchema, runId: { type: "string" } }, required: ["results", "runId"] }),
      },
    };
    paths[schemaPath(wf.name)] = {
      get: { tags: [tag], operationId: `schema_${wf.name}`, summary: `Input and output schemas of ${wf.name}`, responses: responses({ type: "object" }) },
    };
  }
  paths["/health"] = { get: { tags: ["Operations"], operationId: "health", summary: "Liveness", responses: { "200": json({ type: "object" }) } } };
  paths["/ready"] = {
    get: {
      tags: ["Operations"],
      operationId: "ready",
      summary: "Readiness (database health check)",
      responses: { "200": json({ type: "object" }), "503": problemResponse },
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: info.title ?? "DataFlow API", version: info.version ?? "1.0.0", ...(info.description ? { description: info.description } : {}) },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: { schemas, ...(secured ? { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } } : {}) },
    ...(secured ? { security: [{ bearer: [] }] } : {}),
  };
}
