import type { ListOperation, NodeContext, RowData, StreamRequest } from "@dataflow/kernel/plugin";
import { AbortError } from "@dataflow/kernel/plugin";
import type { AggregationCursor, Document } from "mongodb";
import { mapMongoError } from "../errors.js";
import { listPipeline, projected } from "./query.js";
import type { ModelTarget } from "./target.js";

/**
 * List's rows from a server cursor, `batchSize` per round trip, as the consumer pulls. The cursor
 * is closed (killCursors) when the loop ends, breaks, throws or the signal aborts.
 */
export async function* streamRows(t: ModelTarget, op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncGenerator<RowData> {
  const signal = ctx.signal;
  const where = `MongoDB stream on '${op.model.table}'`;
  if (signal.aborted) throw new AbortError(`${where} was aborted before it started`, { cause: signal.reason });
  const fields = projected(op);
  const keep = op.select ? new Set(op.select.map((f) => f.name)) : undefined;
  let cursor: AggregationCursor<Document> | undefined;
  const onAbort = () => void cursor?.close().catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const session = t.session(ctx);
    const collection = (await t.database()).collection(op.model.table);
    t.countCursor(1);
    cursor = collection.aggregate(listPipeline(t.layout, op, false), {
      batchSize: request.batchSize,
      ...(session ? { session } : {}),
      ...(t.statementTimeoutMs ? { maxTimeMS: t.statementTimeoutMs } : {}),
    });
    while (true) {
      let doc: Document | null;
      try {
        doc = await cursor.next();
      } catch (error) {
        if (signal.aborted) throw new AbortError(`${where} was aborted`, { cause: signal.reason });
        throw mapMongoError(error, { operation: "aggregate", collection: op.model.table });
      }
      if (signal.aborted) throw new AbortError(`${where} was aborted`, { cause: signal.reason });
      if (doc === null) return;
      const row = t.layout.decode(fields, doc);
      if (keep) for (const k of Object.keys(row)) if (!keep.has(k)) delete row[k];
      yield row;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (cursor) {
      await cursor.close().catch(() => undefined);
      t.countCursor(-1);
    }
  }
}
