import type { FilterNode, ListOperation, Model, ModelField, OrderTerm } from "@dataflow/kernel/plugin";
import type { Document } from "mongodb";
import { toBson } from "../codec.js";
import { compileFilter } from "../filter.js";
import type { DocumentLayout } from "./layout.js";

/** A DataFlow filter tree as an MQL filter on the model's documents. */
export function mqlFilter(layout: DocumentLayout, where: FilterNode): Document {
  return compileFilter(where, layout.path);
}

function nullFlag(i: number): string {
  return `__df_null${i}`;
}

/**
 * Keyset condition "after the row with these orderBy values", with NULL as the largest value
 * (as in the SQL adapters): ascending it comes last, descending first.
 */
function keyset(layout: DocumentLayout, orderBy: readonly OrderTerm[], after: readonly unknown[]): Document {
  const branches: Document[] = [];
  const equal: Document[] = [];
  for (let i = 0; i < orderBy.length; i++) {
    const { field, direction } = orderBy[i]!;
    const p = layout.path(field);
    const v = after[i] === null || after[i] === undefined ? null : toBson(field, after[i]);
    let beyond: Document | undefined;
    if (direction === "asc") beyond = v === null ? undefined : { $or: [{ [p]: { $gt: v } }, { [p]: null }] };
    else beyond = v === null ? { [p]: { $ne: null } } : { [p]: { $lt: v } };
    if (beyond) branches.push(equal.length ? { $and: [...equal, beyond] } : beyond);
    equal.push({ [p]: v });
  }
  return branches.length === 0 ? { _id: { $in: [] } } : branches.length === 1 ? branches[0]! : { $or: branches };
}

/** List's pipeline: filter, keyset, order (NULLs largest), offset, limit, projection. Streaming leaves out the paging. */
export function listPipeline(layout: DocumentLayout, op: ListOperation, paged: boolean): Document[] {
  const match = mqlFilter(layout, op.where);
  const conditions = [match, ...(paged && op.after ? [keyset(layout, op.orderBy, op.after)] : [])].filter((c) => Object.keys(c).length > 0);
  const pipeline: Document[] = [];
  if (conditions.length) pipeline.push({ $match: conditions.length === 1 ? conditions[0] : { $and: conditions } });
  const flags: Document = {};
  const sort: Document = {};
  op.orderBy.forEach(({ field, direction }, i) => {
    const p = layout.path(field);
    const dir = direction === "asc" ? 1 : -1;
    if (field.nullable) {
      flags[nullFlag(i)] = { $cond: [{ $eq: [{ $ifNull: [`$${p}`, null] }, null] }, 1, 0] };
      sort[nullFlag(i)] = dir;
    }
    sort[p] = dir;
  });
  if (Object.keys(flags).length) pipeline.push({ $addFields: flags });
  pipeline.push({ $sort: sort });
  if (paged && op.offset) pipeline.push({ $skip: op.offset });
  if (paged && op.limit !== undefined) pipeline.push({ $limit: op.limit });
  const shown = projected(op);
  pipeline.push({ $project: Object.fromEntries([["_id", layout.idPath === "_id" ? 1 : 0], ...shown.map((f) => [layout.path(f), 1])]) });
  return pipeline;
}

/** The fields List reads: the selection plus the orderBy fields (the cursor needs them). */
export function projected(op: ListOperation): ModelField[] {
  const fields = op.select ? [...op.select] : [...op.model.fields];
  for (const t of op.orderBy) if (!fields.includes(t.field)) fields.push(t.field);
  return fields;
}

/** The conflict key of a row as an equality filter. */
export function keyFilter(model: Model, layout: DocumentLayout, fields: readonly string[], row: Record<string, unknown>): Document {
  const out: Document = {};
  for (const name of fields) {
    const f = model.field(name)!;
    out[layout.path(f)] = toBson(f, row[name]);
  }
  return out;
}
