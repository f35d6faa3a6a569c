import type { NodeContext, NodeDefinition, ParamsSchema, RowScope } from "@dataflow/kernel/plugin";
import { MAX_BULK_ROWS, TransactionError, ValidationError, isPlainObject } from "@dataflow/kernel/plugin";
import type { ClientSession, CreateIndexesOptions, Document, IndexDirection } from "mongodb";
import type { MongoAdapter } from "./adapter.js";
import { checkCollectionName } from "./names.js";
import { checkDocument, checkMqlObject, checkPipeline, checkUpdate } from "./safety.js";
import { bindScopes, scopeFilter, scopeIndexKeys, scopePipeline, scopeUpdate, stampDocument } from "./scope.js";

const collection = { type: "string", required: true, description: "The collection's name" } as const;

export const DOCUMENT_NODE_PARAMS: Record<string, ParamsSchema> = {
  DocumentInsert: { collection, document: { type: "object", required: true, description: "The document to insert" } },
  DocumentFind: {
    collection,
    filter: { type: "object", description: "MQL filter (default: every document)" },
    projection: { type: "object", description: "Fields to include (1) or exclude (0)" },
    sort: { type: "object", description: "{ field: 1 | -1 }, in key order" },
    skip: { type: "integer" },
    limit: { type: "integer", description: "At most this many documents (default: all)" },
  },
  DocumentUpdate: {
    collection,
    filter: { type: "object", required: true },
    update: { type: "any", required: true, description: "Update operators ({ $set: ... }) or an update pipeline (array)" },
    upsert: { type: "boolean", description: "Insert when nothing matches" },
    multi: { type: "boolean", description: "Update every match (default: the first)" },
  },
  DocumentDelete: {
    collection,
    filter: { type: "object", required: true },
    multi: { type: "boolean", description: "Delete every match (default: the first)" },
  },
  BulkDocumentInsert: {
    collection,
    documents: { type: "array", required: true },
    ordered: { type: "boolean", description: "Stop at the first failure (default true); false inserts the rest" },
  },
  Aggregate: {
    collection,
    pipeline: { type: "array", required: true },
    allowWriteStages: { type: "boolean", description: "Allow $out / $merge (default false)" },
    allowDiskUse: { type: "boolean" },
  },
  CreateIndex: {
    collection,
    keys: { type: "object", required: true, description: '{ field: 1 | -1 | "text" | "2dsphere" | "2d" | "hashed" }' },
    name: { type: "string" },
    unique: { type: "boolean" },
    sparse: { type: "boolean" },
    expireAfterSeconds: { type: "integer", description: "TTL: delete documents this many seconds after the date in the (single) key field" },
    partialFilterExpression: { type: "object" },
  },
  DocumentCount: {
    collection,
    filter: { type: "object", description: "MQL filter (default: every document)" },
    skip: { type: "integer" },
    limit: { type: "integer" },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  DocumentInsert: "Insert one document into a collection",
  DocumentFind: "Find documents with an MQL filter, projection, sort, skip and limit",
  DocumentUpdate: "Update one or every matching document (operators or pipeline), optionally upserting",
  DocumentDelete: "Delete one or every matching document",
  BulkDocumentInsert: "Insert many documents in one round trip per batch",
  Aggregate: "Run an aggregation pipeline",
  CreateIndex: "Create an index: single, compound, unique, sparse, TTL, text or 2dsphere",
  DocumentCount: "Count the documents matching a filter",
};

const ALIASES: Record<string, readonly string[]> = {
  DocumentInsert: ["DocumentInsertNode"],
  DocumentFind: ["DocumentFindNode"],
  DocumentUpdate: ["DocumentUpdateNode"],
  DocumentDelete: ["DocumentDeleteNode"],
  BulkDocumentInsert: ["BulkDocumentInsertNode"],
  Aggregate: ["AggregateNode", "MongoAggregate", "MongoAggregateNode"],
  CreateIndex: ["CreateIndexNode"],
  DocumentCount: ["DocumentCountNode"],
};

const INDEX_TYPES = new Set(["text", "2dsphere", "2d", "hashed"]);
export const MAX_FIND_LIMIT = 1_000_000;

export interface DocumentResults {
  DocumentInsert: { result: { insertedId: unknown } };
  DocumentFind: { result: Document[]; count: number };
  DocumentUpdate: { result: { matched: number; modified: number; upserted: number; upsertedId: unknown } };
  DocumentDelete: { result: { deleted: number } };
  BulkDocumentInsert: { result: { inserted: number; insertedIds: unknown[] } };
  Aggregate: { result: Document[]; count: number };
  CreateIndex: { result: { name: string } };
  DocumentCount: { result: number };
}

type Params = Record<string, unknown>;

function intParam(params: Params, name: string, max: number): number | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new ValidationError(`'${name}' must be an integer from 0 to ${max}`, { field: name });
  }
  return v;
}

function sortSpec(value: unknown): Record<string, 1 | -1 | { $meta: string }> | undefined {
  if (value === undefined) return undefined;
  const sort = checkMqlObject(value, "sort");
  for (const [key, dir] of Object.entries(sort)) {
    const meta = isPlainObject(dir) && Object.keys(dir).length === 1 && typeof dir.$meta === "string";
    if (dir !== 1 && dir !== -1 && !meta) {
      throw new ValidationError(`'sort.${key}' must be 1 (ascending) or -1 (descending)`, { field: `sort.${key}` });
    }
  }
  return sort as Record<string, 1 | -1>;
}

function indexKeys(value: unknown): Record<string, IndexDirection> {
  const keys = checkMqlObject(value, "keys");
  const names = Object.keys(keys);
  if (names.length === 0) throw new ValidationError("'keys' names no field", { field: "keys", fix: "Give keys such as { email: 1 }" });
  for (const name of names) {
    const dir = keys[name];
    const field = `keys.${name}`;
    if (name === "" || (name.startsWith("$") && name !== "$**")) {
      throw new ValidationError(`'${field}' is not a field name`, { field });
    }
    if (dir !== 1 && dir !== -1 && !(typeof dir === "string" && INDEX_TYPES.has(dir))) {
      throw new ValidationError(`'${field}' must be 1, -1, "text", "2dsphere", "2d" or "hashed"`, { field });
    }
  }
  return keys as Record<string, IndexDirection>;
}

function indexOptions(params: Params, keys: Record<string, IndexDirection>): CreateIndexesOptions {
  const options: CreateIndexesOptions = {};
  if (params.name !== undefined) {
    if (typeof params.name !== "string" || params.name.length === 0 || params.name.length > 127) {
      throw new ValidationError("'name' must be a string of 1 to 127 characters", { field: "name" });
    }
    options.name = params.name;
  }
  if (params.unique !== undefined) options.unique = params.unique as boolean;
  if (params.sparse !== undefined) options.sparse = params.sparse as boolean;
  const ttl = intParam(params, "expireAfterSeconds", 2_147_483_647);
  if (ttl !== undefined) {
    const fields = Object.keys(keys);
    if (fields.length !== 1 || typeof keys[fields[0]!] === "string") {
      throw new ValidationError("'expireAfterSeconds' (TTL) needs a single ascending or descending key", {
        field: "expireAfterSeconds",
        fix: "Index one date field, e.g. keys: { createdAt: 1 }",
      });
    }
    options.expireAfterSeconds = ttl;
  }
  if (params.partialFilterExpression !== undefined) {
    options.partialFilterExpression = checkMqlObject(params.partialFilterExpression, "partialFilterExpression");
  }
  return options;
}

function filterOf(params: Params): Document {
  return params.filter === undefined ? {} : checkMqlObject(params.filter, "filter");
}

/**
 * An index is not data: it would not be rolled back with the transaction, and MongoDB builds one
 * in a transaction only on a collection that transaction created. So CreateIndex refuses to run in one.
 */
function refuseInTransaction(adapter: MongoAdapter, ctx: NodeContext): void {
  if (adapter.session(ctx) === undefined) return;
  throw new TransactionError(`CreateIndex '${ctx.nodeId}' cannot run inside a transaction: an index is not rolled back with it`, {
    fix: "Create indexes before the transaction (a node ordered before the TransactionScope, or another run)",
  });
}

/**
 * The seed's 8 document nodes, on the collections of one MongoDB adapter. `scopes` are the row
 * scopes of the DataFlow's plugins (e.g. the tenant): applied to every filter, document and pipeline.
 */
export function documentNodes(adapter: MongoAdapter, scopes: readonly RowScope[] = []): NodeDefinition[] {
  const scoping = scopes.length > 0;
  const bound = (ctx: NodeContext) => (scoping ? bindScopes(scopes, ctx) : []);
  const scopedFilter = (filter: Document, ctx: NodeContext) => (scoping ? scopeFilter(filter, bound(ctx)) : filter);
  // Every data operation joins the session of the node's run transaction or db.transaction(), if any.
  const writeOptions = (ctx: NodeContext): { session?: ClientSession } => {
    const session = adapter.session(ctx);
    return session ? { session } : {};
  };
  const readOptions = (ctx: NodeContext) => {
    const ms = adapter.statementTimeoutMs;
    return { signal: ctx.signal, ...writeOptions(ctx), ...(ms > 0 ? { maxTimeMS: ms } : {}) };
  };
  const runners: { [K in keyof DocumentResults]: (p: Params, ctx: NodeContext) => Promise<DocumentResults[K]> } = {
    DocumentInsert: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const doc = stampDocument({ ...checkDocument(p.document, "document") }, bound(ctx), "document");
      const r = await adapter.run("insertOne", name, ctx.signal, (c) => c.insertOne(doc, writeOptions(ctx)));
      return { result: { insertedId: r.insertedId } };
    },
    DocumentFind: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const filter = scopedFilter(filterOf(p), ctx);
      const projection = p.projection === undefined ? undefined : checkMqlObject(p.projection, "projection");
      const sort = sortSpec(p.sort);
      const skip = intParam(p, "skip", Number.MAX_SAFE_INTEGER);
      const limit = intParam(p, "limit", MAX_FIND_LIMIT);
      const docs = await adapter.run("find", name, ctx.signal, (c) => {
        if (limit === 0) return Promise.resolve([]);
        const cursor = c.find(filter, { ...readOptions(ctx), ...(projection ? { projection } : {}) });
        if (sort) cursor.sort(sort);
        if (skip) cursor.skip(skip);
        if (limit !== undefined) cursor.limit(limit);
        return cursor.toArray();
      });
      return { result: docs, count: docs.length };
    },
    DocumentUpdate: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const b = bound(ctx);
      const filter = scopeFilter(checkMqlObject(p.filter, "filter"), b);
      const update = scopeUpdate(checkUpdate(p.update, "update"), b, "update", p.upsert === true);
      const options = { ...writeOptions(ctx), upsert: p.upsert === true };
      const r = await adapter.run(p.multi ? "updateMany" : "updateOne", name, ctx.signal, (c) =>
        p.multi ? c.updateMany(filter, update, options) : c.updateOne(filter, update, options),
      );
      return { result: { matched: r.matchedCount, modified: r.modifiedCount, upserted: r.upsertedCount, upsertedId: r.upsertedId ?? null } };
    },
    DocumentDelete: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const filter = scopedFilter(checkMqlObject(p.filter, "filter"), ctx);
      const r = await adapter.run(p.multi ? "deleteMany" : "deleteOne", name, ctx.signal, (c) =>
        p.multi ? c.deleteMany(filter, writeOptions(ctx)) : c.deleteOne(filter, writeOptions(ctx)),
      );
      return { result: { deleted: r.deletedCount } };
    },
    BulkDocumentInsert: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const list = p.documents as unknown[];
      if (list.length > MAX_BULK_ROWS) {
        throw new ValidationError(`'documents' has ${list.length} entries; at most ${MAX_BULK_ROWS} per node`, { field: "documents" });
      }
      if (list.length === 0) return { result: { inserted: 0, insertedIds: [] } };
      const b = bound(ctx);
      const docs = list.map((d, i) => stampDocument({ ...checkDocument(d, `documents[${i}]`) }, b, `documents[${i}]`));
      const r = await adapter.run("insertMany", name, ctx.signal, (c) => c.insertMany(docs, { ...writeOptions(ctx), ordered: p.ordered !== false }));
      const ids: unknown[] = [];
      for (let i = 0; i < docs.length; i++) ids.push(r.insertedIds[i]);
      return { result: { inserted: r.insertedCount, insertedIds: ids } };
    },
    Aggregate: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const checked = checkPipeline(p.pipeline, "pipeline", { allowWriteStages: p.allowWriteStages === true });
      const pipeline = scoping ? scopePipeline(checked, bound(ctx), "pipeline") : checked;
      const docs = await adapter.run("aggregate", name, ctx.signal, (c) =>
        c.aggregate(pipeline, { ...readOptions(ctx), ...(p.allowDiskUse !== undefined ? { allowDiskUse: p.allowDiskUse as boolean } : {}) }).toArray(),
      );
      return { result: docs, count: docs.length };
    },
    CreateIndex: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const keys = scopeIndexKeys(indexKeys(p.keys), p.unique === true, scopes);
      const options = indexOptions(p, keys);
      refuseInTransaction(adapter, ctx);
      const created = await adapter.run("createIndex", name, ctx.signal, (c) => c.createIndex(keys, options));
      return { result: { name: created } };
    },
    DocumentCount: async (p, ctx) => {
      const name = checkCollectionName(p.collection);
      const filter = scopedFilter(filterOf(p), ctx);
      const skip = intParam(p, "skip", Number.MAX_SAFE_INTEGER);
      const limit = intParam(p, "limit", Number.MAX_SAFE_INTEGER);
      const n = await adapter.run("countDocuments", name, ctx.signal, (c) =>
        c.countDocuments(filter, { ...readOptions(ctx), ...(skip ? { skip } : {}), ...(limit ? { limit } : {}) }),
      );
      return { result: n };
    },
  };
  return (Object.keys(runners) as (keyof DocumentResults)[]).map((type) => ({
    type,
    params: DOCUMENT_NODE_PARAMS[type]!,
    description: DESCRIPTIONS[type]!,
    aliases: ALIASES[type]!,
    run: runners[type] as (p: Params, ctx: NodeContext) => Promise<unknown>,
  }));
}
