import { ValidationError, isPlainObject } from "@dataflow/kernel/plugin";

/** Operators that run JavaScript on the server: never accepted. */
export const SERVER_JS_OPERATORS: readonly string[] = Object.freeze(["$where", "$function", "$accumulator"]);
/** Stages that write to another collection: accepted only with `allowWriteStages: true`. */
export const WRITE_STAGES: readonly string[] = Object.freeze(["$out", "$merge"]);
export const MAX_PIPELINE_STAGES = 100;
export const MAX_MQL_DEPTH = 32;
export const MAX_MQL_NODES = 20_000;

export interface MqlCheckOptions {
  /** Let `$out` / `$merge` through (Aggregate's `allowWriteStages`). */
  readonly allowWriteStages?: boolean;
}

interface Walk {
  nodes: number;
  readonly options: MqlCheckOptions;
}

function bsonType(value: object): string | undefined {
  const t = (value as { _bsontype?: unknown })._bsontype;
  return typeof t === "string" ? t : undefined;
}

function visit(value: unknown, path: string, depth: number, walk: Walk): void {
  if (typeof value === "function") {
    throw new ValidationError(`'${path}' is a function; server-side JavaScript is not accepted`, {
      field: path,
      fix: "Express the logic with query or aggregation operators",
    });
  }
  if (value === null || typeof value !== "object") return;
  if (++walk.nodes > MAX_MQL_NODES) {
    throw new ValidationError(`'${path}' is too large (more than ${MAX_MQL_NODES} values)`, { field: path, fix: "Split the query" });
  }
  if (depth > MAX_MQL_DEPTH) {
    throw new ValidationError(`'${path}' is nested more than ${MAX_MQL_DEPTH} levels deep`, { field: path, fix: "Flatten the expression" });
  }
  const type = bsonType(value);
  if (type === "Code" || type === "CodeWScope") {
    throw new ValidationError(`'${path}' is BSON JavaScript code; server-side JavaScript is not accepted`, {
      field: path,
      fix: "Express the logic with query or aggregation operators",
    });
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1, walk));
    return;
  }
  // ObjectId, Date, Decimal128, RegExp, Binary, ...: values, not MQL.
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    const at = `${path}.${key}`;
    if (key.includes("\0")) throw new ValidationError(`'${path}' has a key with a NUL character`, { field: path });
    if (SERVER_JS_OPERATORS.includes(key)) {
      throw new ValidationError(`'${at}': ${key} runs JavaScript on the server and is not accepted`, {
        field: at,
        fix: key === "$where" ? "Use $expr with aggregation operators instead" : "Use the built-in aggregation operators instead",
      });
    }
    if (WRITE_STAGES.includes(key) && !walk.options.allowWriteStages) {
      throw new ValidationError(`'${at}': ${key} writes to another collection`, {
        field: at,
        fix: "Pass allowWriteStages: true to the Aggregate node if the pipeline is meant to write",
      });
    }
    visit(value[key], at, depth + 1, walk);
  }
}

/** Checks a filter, projection, sort or update document: plain object, bounded, no server-side JavaScript. */
export function checkMqlObject(value: unknown, path: string, options: MqlCheckOptions = {}): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(`'${path}' must be a plain object`, { field: path, fix: `Give an object such as { status: "active" }` });
  }
  visit(value, path, 0, { nodes: 0, options });
  return value;
}

/** Checks an aggregation pipeline: an array of one-operator stages, bounded in length and depth. */
export function checkPipeline(value: unknown, path: string, options: MqlCheckOptions = {}): Record<string, unknown>[] {
  if (!Array.isArray(value)) {
    throw new ValidationError(`'${path}' must be an array of stages`, { field: path, fix: 'Give stages such as [{ $match: { status: "active" } }]' });
  }
  if (value.length > MAX_PIPELINE_STAGES) {
    throw new ValidationError(`'${path}' has ${value.length} stages; at most ${MAX_PIPELINE_STAGES} are accepted`, { field: path });
  }
  const walk: Walk = { nodes: 0, options };
  value.forEach((stage, i) => {
    const at = `${path}[${i}]`;
    const keys = isPlainObject(stage) ? Object.keys(stage) : [];
    if (keys.length !== 1 || !keys[0]!.startsWith("$")) {
      throw new ValidationError(`'${at}' must be one stage: an object with a single $-operator key`, {
        field: at,
        fix: "Write each stage as its own object, e.g. { $match: {...} }, { $sort: {...} }",
      });
    }
    visit(stage, at, 1, walk);
  });
  return value as Record<string, unknown>[];
}

/** An update: an operator document (`{ $set: ... }`) or an update pipeline (array of stages). */
export function checkUpdate(value: unknown, path: string): Record<string, unknown> | Record<string, unknown>[] {
  if (Array.isArray(value)) return checkPipeline(value, path);
  const update = checkMqlObject(value, path);
  const keys = Object.keys(update);
  if (keys.length === 0 || keys.some((k) => !k.startsWith("$"))) {
    throw new ValidationError(`'${path}' must be an update operator document or a pipeline`, {
      field: path,
      fix: 'Use operators such as { $set: { status: "done" }, $inc: { n: 1 } }',
    });
  }
  return update;
}

/** A document to insert: a plain object, bounded in depth, without JavaScript values. */
export function checkDocument(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(`'${path}' must be a plain object`, { field: path, fix: 'Give a document such as { name: "Ann" }' });
  }
  visitDocument(value, path, 0);
  return value;
}

function visitDocument(value: unknown, path: string, depth: number): void {
  if (typeof value === "function") {
    throw new ValidationError(`'${path}' is a function, which is not a storable value`, { field: path });
  }
  if (value === null || typeof value !== "object") return;
  if (depth > 100) throw new ValidationError(`'${path}' is nested more than 100 levels deep (MongoDB's limit)`, { field: path });
  if (Array.isArray(value)) {
    value.forEach((item, i) => visitDocument(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) visitDocument(value[key], `${path}.${key}`, depth + 1);
}

/**
 * Operator injection: a JSON value given as data or as a filter value must not carry `$` keys,
 * which MongoDB would read as operators (or refuse to store).
 */
export function refuseOperators(value: unknown, path: string, depth = 0): void {
  if (depth > 100 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const item of value) refuseOperators(item, path, depth + 1);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key.startsWith("$")) {
      throw new ValidationError(`'${path}' holds the key '${key.slice(0, 40)}', which MongoDB would read as an operator`, {
        field: path,
        fix: "Rename keys that start with '$' in JSON values stored in MongoDB",
      });
    }
    refuseOperators(value[key], path, depth + 1);
  }
}
