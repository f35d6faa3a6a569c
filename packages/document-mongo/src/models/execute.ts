import type {
  BulkCreateOperation,
  BulkUpsertOperation,
  FilterNode,
  ListOperation,
  Model,
  ModelOperation,
  NodeContext,
  OperationResults,
  RowData,
  UpsertOperation,
} from "@dataflow/kernel/plugin";
import { DataFlowError, NotFoundError, UniqueViolationError, ambiguousMatch, encodeCursor } from "@dataflow/kernel/plugin";
import type { AnyBulkWriteOperation, Collection, Document } from "mongodb";
import { mapMongoError } from "../errors.js";
import { keyFilter, listPipeline, mqlFilter, projected } from "./query.js";
import { nextIds, raiseSequence } from "./sequence.js";
import type { ModelTarget } from "./target.js";

type Result = OperationResults[keyof OperationResults];
const DEFAULT_BATCH = 1000;

function primaryKeyValue(where: FilterNode): unknown {
  if (where.t === "cmp" && where.field.primaryKey && where.op === "=") return where.value;
  if (where.t === "and")
    for (const n of where.items) {
      const v = primaryKeyValue(n);
      if (v !== undefined) return v;
    }
  return undefined;
}

function notFound(model: Model, where: FilterNode): NotFoundError {
  const id = primaryKeyValue(where);
  const what = id === undefined ? "matching the filter" : `with id ${JSON.stringify(typeof id === "bigint" ? id.toString() : id)}`;
  return new NotFoundError(`${model.name} ${what} was not found`, { fix: "Check the id or filter; Read accepts raiseOnNotFound: false" });
}

/** Document paths of a unique index in an error become model field names (`_id` -> `id`). */
function mapped(t: ModelTarget, error: unknown, operation: string, model: Model): Error {
  const e = mapMongoError(error, { operation, collection: model.table });
  if (e instanceof UniqueViolationError) {
    const fields = e.fields.map((f) => t.layout.fieldName(f));
    if (fields.join() !== e.fields.join()) return new UniqueViolationError(e.message.replace(/\b_id\b/g, "id"), fields, { cause: e.cause });
  }
  return e;
}

class Executor {
  readonly model: Model;
  constructor(
    readonly t: ModelTarget,
    readonly op: ModelOperation,
    readonly ctx: NodeContext,
  ) {
    this.model = op.model;
  }

  get options(): { session?: import("mongodb").ClientSession } {
    const session = this.t.session(this.ctx);
    return session ? { session } : {};
  }

  get readOptions(): { session?: import("mongodb").ClientSession; maxTimeMS?: number } {
    return this.t.statementTimeoutMs ? { ...this.options, maxTimeMS: this.t.statementTimeoutMs } : this.options;
  }

  call<T>(operation: string, fn: (c: Collection<Document>) => Promise<T>): Promise<T> {
    return this.t.run(operation, this.model.table, this.ctx.signal, fn);
  }

  filter(where: FilterNode): Document {
    return mqlFilter(this.t.layout, where);
  }

  decode(doc: Document): RowData {
    return this.t.layout.decode(this.model.fields, doc);
  }

  /** Rows without an id of an auto-increment model get the next ids of the model's sequence. */
  async withIds(rows: RowData[]): Promise<RowData[]> {
    const pk = this.model.primaryKey;
    if (!pk.autoIncrement) return rows;
    const missing = rows.filter((r) => !Object.hasOwn(r, pk.name));
    if (missing.length) {
      const first = await nextIds(this.t, this.model, missing.length, this.options);
      missing.forEach((r, i) => {
        r[pk.name] = first + i;
      });
    }
    const explicit = rows.length === missing.length ? [] : rows.filter((r) => !missing.includes(r)).map((r) => Number(r[pk.name]));
    if (explicit.length) await raiseSequence(this.t, this.model, Math.max(...explicit), this.options);
    return rows;
  }

  /** Keys of the documents matching `where` (at most 2), for single-record nodes given a filter. */
  async matchingKeys(where: FilterNode): Promise<unknown[]> {
    const p = this.t.layout.idPath;
    const docs = await this.call("find", (c) => c.find(this.filter(where), { ...this.readOptions, projection: { [p]: 1 }, limit: 2 }).toArray());
    return docs.map((d) => d[p]);
  }

  /** `where` itself when it pins the primary key, else the key of its single match (undefined: none). */
  async single(where: FilterNode, node: string): Promise<Document | undefined> {
    if (primaryKeyValue(where) !== undefined) return this.filter(where);
    const keys = await this.matchingKeys(where);
    if (keys.length > 1) throw ambiguousMatch(this.model, node);
    if (keys.length === 0) return undefined;
    return { $and: [{ [this.t.layout.idPath]: keys[0] }, this.filter(where)] };
  }

  async create(data: RowData): Promise<OperationResults["Create"]> {
    const [row] = await this.withIds([{ ...data }]);
    await this.call("insertOne", (c) => c.insertOne(this.t.layout.encode(this.model, row!), this.options));
    return { result: row! };
  }

  async read(where: FilterNode, raise: boolean): Promise<OperationResults["Read"]> {
    const docs = await this.call("find", (c) => c.find(this.filter(where), { ...this.readOptions, limit: 2 }).toArray());
    if (docs.length > 1) throw ambiguousMatch(this.model, "Read");
    if (docs.length === 0) {
      if (raise) throw notFound(this.model, where);
      return { result: null, found: false };
    }
    return { result: this.decode(docs[0]!), found: true };
  }

  async update(where: FilterNode, fields: RowData): Promise<OperationResults["Update"]> {
    const target = await this.single(where, "Update");
    const doc =
      target &&
      (await this.call("findOneAndUpdate", (c) =>
        c.findOneAndUpdate(target, { $set: this.t.layout.encode(this.model, fields, "fields") }, { ...this.options, returnDocument: "after" }),
      ));
    if (!doc) throw notFound(this.model, where);
    return { result: this.decode(doc) };
  }

  async delete(op: Extract<ModelOperation, { kind: "Delete" }>): Promise<OperationResults["Delete"]> {
    const target = await this.single(op.where, "Delete");
    const p = this.t.layout.idPath;
    const doc =
      target &&
      (await this.call(op.soft ? "findOneAndUpdate" : "findOneAndDelete", (c) =>
        op.soft
          ? c.findOneAndUpdate(target, { $set: { deleted_at: op.now } }, { ...this.options, projection: { [p]: 1 } })
          : c.findOneAndDelete(target, { ...this.options, projection: { [p]: 1 } }),
      ));
    if (!doc && op.raiseOnNotFound) throw notFound(this.model, op.where);
    const id = doc ? this.t.layout.decode([this.model.primaryKey], doc).id : (primaryKeyValue(op.where) ?? null);
    return { result: { id, deleted: Boolean(doc) } };
  }

  async list(op: ListOperation): Promise<OperationResults["List"]> {
    const docs = await this.call("aggregate", (c) => c.aggregate(listPipeline(this.t.layout, op, true), this.readOptions).toArray());
    const rows = docs.map((d) => this.t.layout.decode(projected(op), d));
    const last = rows.at(-1);
    const nextCursor = op.limit !== undefined && op.limit > 0 && rows.length === op.limit && last ? encodeCursor(last, op.orderBy) : undefined;
    if (op.select) {
      const keep = new Set(op.select.map((f) => f.name));
      for (const r of rows) for (const k of Object.keys(r)) if (!keep.has(k)) delete r[k];
    }
    return nextCursor === undefined ? { result: rows, count: rows.length } : { result: rows, count: rows.length, nextCursor };
  }

  async upsert(op: UpsertOperation): Promise<OperationResults["Upsert"]> {
    const layout = this.t.layout;
    const [create] = await this.withIds([{ ...op.create }]);
    const key = keyFilter(this.model, layout, op.conflictOn, create!);
    const inserted = await this.call("updateOne", (c) =>
      c.updateOne(key, { $setOnInsert: layout.encode(this.model, create!, "create") }, { ...this.options, upsert: true }),
    );
    if (inserted.upsertedCount === 1) return { result: create!, created: true };
    const doc = Object.keys(op.update).length
      ? await this.call("findOneAndUpdate", (c) =>
          c.findOneAndUpdate(key, { $set: layout.encode(this.model, op.update, "update") }, { ...this.options, returnDocument: "after" }),
        )
      : await this.call("findOne", (c) => c.findOne(key, this.readOptions));
    if (!doc) throw new DataFlowError(`The upserted ${this.model.name} could not be read back`);
    return { result: this.decode(doc), created: false };
  }

  /** Plain inserts, ordered, in batches. Outside a transaction a failure removes the documents this node inserted. */
  async insertAll(rows: RowData[], batchSize: number): Promise<number> {
    const docs = rows.map((r) => this.t.layout.encode(this.model, r));
    let done = 0;
    try {
      for (let start = 0; start < docs.length; start += batchSize) {
        const chunk = docs.slice(start, start + batchSize);
        done += (await this.call("insertMany", (c) => c.insertMany(chunk, { ...this.options, ordered: true }))).insertedCount;
      }
    } catch (error) {
      if (!this.t.session(this.ctx)) {
        const cause = (error as { cause?: { result?: { insertedCount?: number }; insertedCount?: number } }).cause;
        const inserted = cause?.result?.insertedCount ?? cause?.insertedCount ?? 0;
        const ids = docs.slice(0, done + inserted).map((d) => d._id);
        // Compensation, not isolation: readers may have seen these documents meanwhile.
        if (ids.length) await this.call("deleteMany", (c) => c.deleteMany({ _id: { $in: ids } }, this.options)).catch(() => undefined);
      }
      throw error;
    }
    return done;
  }

  /** Upserts by the conflict key in unordered batches; counts come from the server's write result. */
  async upsertAll(rows: RowData[], conflictOn: readonly string[], updateFields: readonly string[] | undefined, batchSize: number) {
    const layout = this.t.layout;
    const totals = { inserted: 0, matched: 0 };
    const update = new Set(updateFields ?? []);
    for (let start = 0; start < rows.length; start += batchSize) {
      const writes: AnyBulkWriteOperation<Document>[] = rows.slice(start, start + batchSize).map((row) => {
        const doc = layout.encode(this.model, row);
        const set: Document = {};
        for (const name of update) {
          const path = layout.path(this.model.field(name)!);
          set[path] = doc[path];
          delete doc[path];
        }
        const change: Document = { $setOnInsert: doc };
        if (Object.keys(set).length) change.$set = set;
        return { updateOne: { filter: keyFilter(this.model, layout, conflictOn, row), update: change, upsert: true } };
      });
      const res = await this.call("bulkWrite", (c) => c.bulkWrite(writes, { ...this.options, ordered: false }));
      totals.inserted += res.upsertedCount;
      totals.matched += res.matchedCount;
    }
    return totals;
  }

  async bulk(op: BulkCreateOperation | BulkUpsertOperation): Promise<{ inserted: number; skipped: number; updated: number }> {
    const rows = await this.withIds(op.rows.map((r) => ({ ...r })));
    const size = op.batchSize ?? DEFAULT_BATCH;
    if (op.kind === "BulkCreate" && op.onConflict === "error") return { inserted: await this.insertAll(rows, size), skipped: 0, updated: 0 };
    const conflictOn = op.conflictOn ?? ["id"];
    if (op.kind === "BulkCreate" && op.onConflict === "skip") {
      const { inserted } = await this.upsertAll(rows, conflictOn, undefined, size);
      return { inserted, skipped: rows.length - inserted, updated: 0 };
    }
    const { inserted, matched } = await this.upsertAll(rows, conflictOn, op.updateFields, size);
    return { inserted, skipped: 0, updated: matched };
  }

  async execute(): Promise<Result> {
    const op = this.op;
    switch (op.kind) {
      case "Create":
        return this.create(op.data);
      case "Read":
        return this.read(op.where, op.raiseOnNotFound);
      case "Update":
        return this.update(op.where, op.fields);
      case "Delete":
        return this.delete(op);
      case "List":
        return this.list(op);
      case "Count": {
        const n = await this.call("countDocuments", (c) => c.countDocuments(this.filter(op.where), this.readOptions));
        return { result: n };
      }
      case "Upsert":
        return this.upsert(op);
      case "BulkCreate":
        return { result: await this.bulk(op) };
      case "BulkUpsert": {
        const { inserted, updated } = await this.bulk(op);
        return { result: { inserted, updated } };
      }
      case "BulkUpdate": {
        const fields = this.t.layout.encode(this.model, op.fields, "fields");
        const res = await this.call("updateMany", (c) => c.updateMany(this.filter(op.where), { $set: fields }, this.options));
        return { result: { updated: res.matchedCount } };
      }
      case "BulkDelete": {
        const where = this.filter(op.where);
        if (op.soft) {
          const res = await this.call("updateMany", (c) => c.updateMany(where, { $set: { deleted_at: op.now } }, this.options));
          return { result: { deleted: res.matchedCount } };
        }
        const res = await this.call("deleteMany", (c) => c.deleteMany(where, this.options));
        return { result: { deleted: res.deletedCount } };
      }
    }
  }
}

/** Runs a validated model operation on MongoDB. Driver errors become DataFlow errors naming model fields. */
export async function executeModelOperation(t: ModelTarget, op: ModelOperation, ctx: NodeContext): Promise<Result> {
  try {
    return await new Executor(t, op, ctx).execute();
  } catch (error) {
    throw mapped(t, error, op.kind, op.model);
  }
}
