import type { NodeContext, RowScope } from "@dataflow/kernel/plugin";
import { ValidationError, isPlainObject } from "@dataflow/kernel/plugin";
import type { Document } from "mongodb";

/**
 * Row scopes (e.g. `@dataflow/tenancy`'s tenant) applied to the schemaless document nodes, in MQL:
 * every filter gets `field: value`, every written document carries it, and every pipeline starts
 * with it, sub-pipelines that read another collection included. Pure: refusals happen before I/O.
 */

/** One plugin's scope with its value for the current operation. */
export interface BoundScope {
  readonly field: string;
  readonly value: string;
  readonly scope: RowScope;
}

/** Resolves every scope's value for node `ctx`; a scope with nothing bound throws (fail closed), before any I/O. */
export function bindScopes(scopes: readonly RowScope[], ctx: NodeContext): BoundScope[] {
  return scopes.map((scope) => ({ field: scope.field, value: scope.value(ctx), scope }));
}

/** Stages that only transform the documents already in the pipeline: they read no other collection and write nothing. */
const STREAM_STAGES: ReadonlySet<string> = new Set([
  "$match",
  "$project",
  "$addFields",
  "$set",
  "$unset",
  "$group",
  "$sort",
  "$limit",
  "$skip",
  "$unwind",
  "$count",
  "$sortByCount",
  "$bucket",
  "$bucketAuto",
  "$replaceRoot",
  "$replaceWith",
  "$redact",
  "$sample",
  "$densify",
  "$fill",
  "$setWindowFields",
]);

const hasOwn = Object.hasOwn;

function refuse(b: BoundScope, message: string, path: string): Error {
  return b.scope.refusal(message, path);
}

/** The filter restricted to the scopes: `{ ...filter, field: value }`, or `$and` when the filter names the field itself. */
export function scopeFilter(filter: Document, bound: readonly BoundScope[]): Document {
  let out = filter;
  for (const b of bound) out = hasOwn(out, b.field) ? { $and: [{ [b.field]: b.value }, out] } : { ...out, [b.field]: b.value };
  return out;
}

/** The document with the scopes' values on it; a document that sets another value is refused, never overwritten. */
export function stampDocument(doc: Document, bound: readonly BoundScope[], path: string): Document {
  let out = doc;
  for (const b of bound) {
    if (hasOwn(out, b.field)) {
      if (out[b.field] !== b.value) throw refuse(b, `'${path}.${b.field}' is not the bound ${b.field}`, `${path}.${b.field}`);
      continue;
    }
    out = { ...out, [b.field]: b.value };
  }
  return out;
}

const namesField = (key: string, field: string) => key === field || key.startsWith(`${field}.`);

/**
 * Update operators that leave the scope field alone; setting it to the bound value is dropped (a
 * no-op on the scope's own documents), anything else that names it is refused. An upsert inserts
 * with the bound value. An update pipeline ends with a stage that sets the field to the bound value.
 */
export function scopeUpdate(update: Document | Document[], bound: readonly BoundScope[], path: string, upsert: boolean): Document | Document[] {
  if (Array.isArray(update)) return [...update, ...bound.map((b) => ({ $set: { [b.field]: { $literal: b.value } } }))];
  let out: Document = update;
  for (const b of bound) {
    const next: Document = {};
    for (const [op, args] of Object.entries(out)) {
      const kept: Document = {};
      for (const [key, arg] of Object.entries(args as Document)) {
        const at = `${path}.${op}.${key}`;
        const renamesInto = op === "$rename" && typeof arg === "string" && namesField(arg, b.field);
        if (namesField(key, b.field) || renamesInto) {
          if ((op === "$set" || op === "$setOnInsert") && key === b.field && arg === b.value) continue;
          throw refuse(b, `'${at}' would change ${b.field}; a document never leaves its scope`, at);
        }
        kept[key] = arg;
      }
      if (Object.keys(kept).length > 0) next[op] = kept;
    }
    if (Object.keys(next).length === 0) next.$set = { [b.field]: b.value };
    else if (upsert) next.$setOnInsert = { ...(next.$setOnInsert as Document | undefined), [b.field]: b.value };
    out = next;
  }
  return out;
}

/** Index keys with the scope fields first for a unique index, so values are unique per scope (as for models). */
export function scopeIndexKeys<K extends Document>(keys: K, unique: boolean, scopes: readonly RowScope[]): K {
  if (!unique) return keys;
  let out: Document = keys;
  for (const s of [...scopes].reverse()) if (Object.keys(out)[0] !== s.field) out = { [s.field]: 1, ...out };
  return out as K;
}

function stageOf(stage: Document): [string, unknown] {
  const [op] = Object.keys(stage);
  return [op!, stage[op!]];
}

/** The pipeline with the scopes' `$match` first (merged into a leading `$match`, or the query of a leading `$geoNear`). */
function scopeFirst(stages: Document[], bound: readonly BoundScope[]): Document[] {
  const first = stages[0];
  if (first) {
    const [op, arg] = stageOf(first);
    if (op === "$match") return [{ $match: scopeFilter(arg as Document, bound) }, ...stages.slice(1)];
    if (op === "$geoNear") {
      const geo = arg as Document;
      return [{ $geoNear: { ...geo, query: scopeFilter((geo.query as Document | undefined) ?? {}, bound) } }, ...stages.slice(1)];
    }
  }
  return [{ $match: scopeFilter({}, bound) }, ...stages];
}

function collectionName(value: unknown, b: BoundScope, path: string): string {
  if (typeof value !== "string") throw refuse(b, `'${path}' must name a collection of this database under a row scope`, path);
  return value;
}

function lookup(arg: Document, bound: readonly BoundScope[], at: string): Document[] {
  collectionName(arg.from, bound[0]!, `${at}.from`);
  if (arg.pipeline !== undefined) return [{ $lookup: { ...arg, pipeline: scoped(arg.pipeline as Document[], bound, `${at}.pipeline`, true) } }];
  if (typeof arg.as !== "string" || arg.as === "" || arg.as.startsWith("$")) {
    throw new ValidationError(`'${at}.as' must be a field name`, { field: `${at}.as` });
  }
  // localField/foreignField: the joined documents are filtered to the scope in the very next stage.
  const cond = { $and: bound.map((b) => ({ $eq: [`$$df_joined.${b.field}`, { $literal: b.value }] })) };
  return [{ $lookup: arg }, { $set: { [arg.as]: { $filter: { input: `$${arg.as}`, as: "df_joined", cond } } } }];
}

function unionWith(arg: unknown, bound: readonly BoundScope[], at: string): Document {
  const spec: Document = typeof arg === "string" ? { coll: arg } : { ...(arg as Document) };
  collectionName(spec.coll, bound[0]!, `${at}.coll`);
  return { ...spec, pipeline: scoped((spec.pipeline as Document[] | undefined) ?? [], bound, `${at}.pipeline`, true) };
}

function scoped(stages: Document[], bound: readonly BoundScope[], path: string, first: boolean): Document[] {
  const out: Document[] = [];
  stages.forEach((stage, i) => {
    const [op, arg] = stageOf(stage);
    const at = `${path}[${i}].${op}`;
    switch (op) {
      case "$lookup":
        out.push(...lookup(arg as Document, bound, at));
        return;
      case "$unionWith":
        out.push({ $unionWith: unionWith(arg, bound, at) });
        return;
      case "$graphLookup": {
        const g = arg as Document;
        collectionName(g.from, bound[0]!, `${at}.from`);
        out.push({ $graphLookup: { ...g, restrictSearchWithMatch: scopeFilter((g.restrictSearchWithMatch as Document | undefined) ?? {}, bound) } });
        return;
      }
      case "$facet": {
        // Its sub-pipelines read the documents already in this pipeline (scoped); only their lookups need scoping.
        const facets = Object.fromEntries(
          Object.entries(arg as Document).map(([name, sub]) => [name, scoped(sub as Document[], bound, `${at}.${name}`, false)]),
        );
        out.push({ $facet: facets });
        return;
      }
      case "$geoNear":
        if (i === 0 && first) {
          out.push(stage);
          return;
        }
        break;
      default:
        if (STREAM_STAGES.has(op)) {
          out.push(stage);
          return;
        }
    }
    throw refuse(bound[0]!, `'${at}' is not allowed under a row scope: it reads or writes outside the pipeline's own documents`, at);
  });
  return first ? scopeFirst(out, bound) : out;
}

/**
 * The pipeline restricted to the scopes: their `$match` first, `$lookup`, `$unionWith` and
 * `$graphLookup` restricted to the scopes' documents of the collection they read (`$facet`
 * sub-pipelines too), and every stage that reads or writes elsewhere (`$out`, `$merge`,
 * `$collStats`, `$documents`, Atlas Search, ...) refused.
 */
export function scopePipeline(pipeline: Document[], bound: readonly BoundScope[], path: string): Document[] {
  return scoped(pipeline, bound, path, true);
}
