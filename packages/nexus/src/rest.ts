// REST routes on Fastify: workflow execution and schemas, resource routes per model, health.
import type { Workflows } from "@dataflow/kernel";
import { ConnectionError, DataFlowError, NotFoundError, ValidationError } from "@dataflow/kernel";
import type { Model } from "@dataflow/kernel/plugin";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PayloadTooLargeError } from "./errors.js";
import type { Gateway } from "./gateway.js";
import type { Credentials } from "./policy.js";
import type { Problem } from "./problem.js";
import { toProblem } from "./problem.js";
import { API_PREFIX, executePath, resourcePath, schemaPath } from "./routes.js";
import { toJson } from "./serialize.js";

export function credentialsOf(request: FastifyRequest, surface: Credentials["surface"] = "rest"): Credentials {
  return { surface, headers: request.headers, address: request.ip };
}

const ANONYMOUS_REST: Credentials = Object.freeze({ surface: "rest" });

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (problem.status === 401) reply.header("www-authenticate", "Bearer");
  if (problem.retryAfter !== undefined) reply.header("retry-after", String(problem.retryAfter));
  return reply.code(problem.status).type("application/problem+json").send(toJson(problem));
}

function sendJson(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  if (status !== 200) reply.code(status);
  return reply.type("application/json; charset=utf-8").send(toJson(value));
}

/** Fastify's own refusals (body too large, not JSON) as typed errors. */
export function fastifyErrorToDataFlow(error: { statusCode?: number; code?: string }, bodyLimit: number): unknown {
  if (error instanceof DataFlowError) return error;
  if (error.statusCode === 413) return new PayloadTooLargeError(`The request body is larger than ${bodyLimit} bytes`, { field: "body" });
  if (error.statusCode === 415) return new ValidationError("The request body must be application/json", { field: "content-type" });
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ValidationError("The request body is not valid JSON", { field: "body" });
  }
  return error;
}

function parseJsonParam(value: string, field: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new ValidationError(`Query parameter '${field}' is not valid JSON`, { field, fix: `e.g. ${field}={"name":"Alice"}` });
  }
}

const LIST_QUERY = new Set(["filter", "orderBy", "limit", "offset", "after", "select", "includeDeleted"]);

function one(value: unknown, field: string): string {
  if (typeof value !== "string") throw new ValidationError(`Query parameter '${field}' must be given once`, { field });
  return value;
}

/** `?filter={json}&orderBy=-age,name&limit=10&after=cursor&select=id,name` as List inputs. */
export function listInputs(query: Record<string, unknown>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const key of Object.keys(query)) {
    if (!LIST_QUERY.has(key)) throw new ValidationError(`Unknown query parameter '${key}'`, { field: key, fix: `Use ${[...LIST_QUERY].join(", ")}` });
    const value = one(query[key], key);
    switch (key) {
      case "filter":
        inputs.filter = parseJsonParam(value, key);
        break;
      case "orderBy":
        inputs.orderBy = /^[[{]/.test(value) ? parseJsonParam(value, key) : value.includes(",") ? value.split(",") : value;
        break;
      case "limit":
      case "offset":
        if (!/^\d{1,9}$/.test(value)) throw new ValidationError(`Query parameter '${key}' must be a non-negative integer`, { field: key });
        inputs[key] = Number(value);
        break;
      case "select":
        inputs.select = value.split(",");
        break;
      case "includeDeleted":
        if (value !== "true" && value !== "false") throw new ValidationError("Query parameter 'includeDeleted' must be true or false", { field: key });
        inputs.includeDeleted = value === "true";
        break;
      default:
        inputs[key] = value;
    }
  }
  return inputs;
}

function idOf(model: Model, raw: string): unknown {
  const kind = model.primaryKey.kind;
  if (kind === "int" || kind === "bigint") {
    if (!/^-?\d{1,19}$/.test(raw)) throw new ValidationError(`'${raw.slice(0, 40)}' is not an integer id of ${model.name}`, { field: "id" });
    return kind === "int" ? Number(raw) : BigInt(raw);
  }
  return raw;
}

function bodyObject(body: unknown, what: string): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new ValidationError(`The request body must be a JSON object (${what})`, { field: "body" });
  return body as Record<string, unknown>;
}

export function registerRestRoutes(app: FastifyInstance, gateway: Gateway, workflows: Workflows): void {
  const fail = (reply: FastifyReply, error: unknown, workflow?: string): void => {
    sendProblem(reply, gateway.problem(error, { surface: "rest", workflow }));
  };
  // Without auth or a rate limit the policy reads no credentials: skip building them (request.ip included).
  const credentials = gateway.policy.readsCredentials ? (request: FastifyRequest) => credentialsOf(request) : () => ANONYMOUS_REST;
  // The workflow handlers answer through `reply` and return nothing: Fastify then has no promise to
  // adopt and no reply to await as a thenable (a `then` and two microtask hops fewer per request).
  const run = (request: FastifyRequest, reply: FastifyReply, name: string, inputs: unknown, status: number, pick: string | undefined): void => {
    gateway.execute(name, inputs, credentials(request)).then(
      (out) => {
        try {
          sendJson(reply, pick ? out.results[pick] : out, status);
        } catch (error) {
          fail(reply, error, name);
        }
      },
      (error: unknown) => fail(reply, error, name),
    );
  };

  app.post<{ Params: { name: string } }>(executePath(":name"), (request, reply) => {
    try {
      const body = bodyObject(request.body, '{ "inputs": { ... } }');
      const extra = Object.keys(body).find((k) => k !== "inputs");
      if (extra) throw new ValidationError(`Unknown body field '${extra}'`, { field: extra, fix: 'Send { "inputs": { ... } }' });
      run(request, reply, request.params.name, body.inputs ?? {}, 200, undefined);
    } catch (error) {
      fail(reply, error, request.params.name);
    }
  });

  app.get<{ Params: { name: string } }>(schemaPath(":name"), (request, reply) => {
    try {
      const wf = workflows.get(request.params.name);
      if (!gateway.policy.permits(wf)) throw new NotFoundError(`No workflow '${wf.name}'`, { field: "workflow" });
      sendJson(reply, { name: wf.name, description: wf.description, access: wf.access, inputSchema: wf.inputSchema, outputSchema: wf.outputSchema });
    } catch (error) {
      fail(reply, error, request.params.name);
    }
  });

  for (const model of workflows.models) {
    const base = resourcePath(model);
    // Resolved once per model, not per request.
    const list = model.nodeType("List");
    const create = model.nodeType("Create");
    const read = model.nodeType("Read");
    const update = model.nodeType("Update");
    const remove = model.nodeType("Delete");
    app.get(base, (request, reply) => {
      try {
        run(request, reply, list, listInputs(request.query as Record<string, unknown>), 200, "list");
      } catch (error) {
        fail(reply, error, list);
      }
    });
    app.post(base, (request, reply) => {
      try {
        run(request, reply, create, { data: bodyObject(request.body, "the new row") }, 201, "create");
      } catch (error) {
        fail(reply, error, create);
      }
    });
    app.get<{ Params: { id: string } }>(`${base}/:id`, (request, reply) => {
      try {
        run(request, reply, read, { id: idOf(model, request.params.id) }, 200, "read");
      } catch (error) {
        fail(reply, error, read);
      }
    });
    app.patch<{ Params: { id: string } }>(`${base}/:id`, (request, reply) => {
      try {
        run(request, reply, update, { id: idOf(model, request.params.id), fields: bodyObject(request.body, "the fields to change") }, 200, "update");
      } catch (error) {
        fail(reply, error, update);
      }
    });
    app.delete<{ Params: { id: string } }>(`${base}/:id`, (request, reply) => {
      try {
        run(request, reply, remove, { id: idOf(model, request.params.id) }, 200, "delete");
      } catch (error) {
        fail(reply, error, remove);
      }
    });
  }
  app.get(`${API_PREFIX}`, (_request, reply) => {
    sendJson(reply, { models: workflows.models.map((m) => ({ name: m.qualifiedName, path: resourcePath(m) })) });
  });
}

export function registerHealthRoutes(app: FastifyInstance, workflows: Workflows, stopping: () => boolean): void {
  app.get("/health", (_request, reply) => {
    sendJson(reply, { status: "ok" });
  });
  app.get("/ready", async (_request, reply) => {
    // Not ready is an answer, not a failure: nothing to log.
    if (stopping()) return sendProblem(reply, toProblem(new ConnectionError("The server is shutting down")));
    const health = await workflows.dataflow.healthCheck().catch(() => ({ ok: false, latencyMs: 0 }));
    if (!health.ok) return sendProblem(reply, toProblem(new ConnectionError("The database is not reachable")));
    return sendJson(reply, { status: "ready", latencyMs: health.latencyMs });
  });
}
