import { randomUUID } from "./random.js";
import { AbortError, PluginError, ValidationError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ProgressListener } from "./progress.js";
import type { Model, Row } from "./model.js";
import type { ExecuteOptions, NodeContext, RunContext } from "./node.js";
import type { ListOperation, ModelOperation, RowData } from "./operations.js";
import { normalizeOperation } from "./operations.js";
import { ownProperties } from "./own.js";
import type { OperationParams } from "./typed.js";

/** The params of `db.stream(model, params)`: List's, without paging. */
export type StreamParams<M> = Omit<OperationParams<M>["List"], "limit" | "offset" | "after">;

/** A streamed row: the model's row, narrowed to `select` when given. */
export type StreamRow<M, P> = P extends { select: readonly (infer K)[] } ? Pick<Row<M>, K & keyof Row<M>> : Row<M>;

/** Options of `db.stream()`. */
export interface StreamOptions {
  /** Aborting ends the stream: the pending or next read rejects with `AbortError` and the connection is released. */
  readonly signal?: AbortSignal;
  /** The tenant the rows are read for (tenant models; same as `execute(wf, { tenantId })`). */
  readonly tenantId?: string;
  /** Rows fetched from the database per round trip (default 1000, at most 100,000). */
  readonly batchSize?: number;
  /** Rows read so far, at most every 200 ms and once at the end (`total` is unknown for a stream). */
  readonly onProgress?: ProgressListener;
}

/** What a streaming adapter is handed: the List operation, already through every middleware. */
export interface StreamRequest {
  readonly batchSize: number;
}

/** What `DataFlow.stream` needs from its owner. */
export interface StreamHost {
  readonly adapter: { readonly databaseType: string; stream?(op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData> };
  readonly logger: Logger;
  readonly models: ReadonlyMap<string, Model>;
  assertOpen(): void;
  isReady(model: Model): boolean;
  ensureModel(model: Model): Promise<void>;
  runOperation<R>(op: ModelOperation, ctx: NodeContext, execute: (op: ModelOperation) => Promise<R>): Promise<R>;
}

export const DEFAULT_STREAM_BATCH = 1000;
const MAX_STREAM_BATCH = 100_000;

type StreamSettings = { signal?: AbortSignal; tenantId?: string; batchSize: number; onProgress?: ProgressListener };

function readStreamOptions(given: StreamOptions | undefined): StreamSettings {
  if (given === undefined) return { batchSize: DEFAULT_STREAM_BATCH };
  if (given === null || typeof given !== "object") throw new ValidationError("stream() options must be an object", { field: "options" });
  const o = ownProperties(given) as StreamOptions;
  for (const key of Object.keys(o)) {
    if (key !== "signal" && key !== "tenantId" && key !== "batchSize" && key !== "onProgress") {
      throw new ValidationError(`Unknown stream option '${key}'`, { field: key, fix: "Known options: signal, tenantId, batchSize, onProgress" });
    }
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ValidationError("signal must be an AbortSignal", { field: "signal" });
  if (o.tenantId !== undefined && typeof o.tenantId !== "string") throw new ValidationError("tenantId must be a string", { field: "tenantId" });
  const batchSize = o.batchSize ?? DEFAULT_STREAM_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_STREAM_BATCH) {
    throw new ValidationError(`batchSize must be an integer from 1 to ${MAX_STREAM_BATCH}`, { field: "batchSize" });
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw new ValidationError("onProgress must be a function", { field: "onProgress" });
  const out: StreamSettings = { batchSize };
  if (o.onProgress !== undefined) out.onProgress = o.onProgress;
  if (o.signal !== undefined) out.signal = o.signal;
  if (o.tenantId !== undefined) out.tenantId = o.tenantId;
  return out;
}

/** The context a stream's operation runs under: a one-node run of its own. */
function streamContext(logger: Logger, options: StreamSettings): NodeContext {
  const runId = randomUUID();
  const execute: ExecuteOptions = Object.create(null);
  if (options.signal) execute.signal = options.signal;
  if (options.tenantId !== undefined) execute.tenantId = options.tenantId;
  if (options.onProgress !== undefined) execute.onProgress = options.onProgress;
  const signal = options.signal ?? new AbortController().signal;
  const run: RunContext = {
    runId,
    signal,
    tenantId: options.tenantId,
    options: execute,
    logger,
    state: new Map(),
    enterExclusive() {},
    leaveExclusive() {},
  };
  return { nodeId: "stream", runId, signal, logger, tenantId: options.tenantId, run };
}

/**
 * `db.stream(model, params)`: the List operation of `params` (without limit/offset/after), through
 * the plugins' middleware (tenancy, ...), read by the adapter batch by batch as the consumer pulls.
 * Nothing runs until the first `next()`.
 */
export function openStream(
  host: StreamHost,
  model: Model,
  params: Record<string, unknown> | undefined,
  given: StreamOptions | undefined,
): AsyncIterable<RowData> {
  host.assertOpen();
  if (host.models.get(model?.name) !== model) {
    throw new ValidationError("stream() takes a model declared on this DataFlow", { field: "model", fix: "Pass the value db.model(...) returned" });
  }
  const options = readStreamOptions(given);
  const list = params ?? {};
  for (const key of ["limit", "offset", "after"]) {
    if (list !== null && typeof list === "object" && Object.hasOwn(list, key)) {
      throw new ValidationError(`stream() reads every matching row; '${key}' is a List paging parameter`, {
        field: key,
        fix: "Filter the rows instead, or break out of the loop when you have enough",
      });
    }
  }
  const op = normalizeOperation(model, "List", list) as ListOperation;
  const stream = host.adapter.stream;
  if (typeof stream !== "function") {
    throw new PluginError(`The ${host.adapter.databaseType} adapter cannot stream rows`, { fix: "Use a List node with limit and after (keyset pages)" });
  }
  const ctx = streamContext(host.logger, options);
  return {
    [Symbol.asyncIterator]() {
      let inner: AsyncIterator<RowData> | undefined;
      let opening: Promise<AsyncIterator<RowData>> | undefined;
      let done = false;
      const open = async (): Promise<AsyncIterator<RowData>> => {
        if (options.signal?.aborted) throw new AbortError("The stream was aborted before it started", { cause: options.signal.reason });
        host.assertOpen();
        if (!host.isReady(model)) await host.ensureModel(model);
        const rows = await host.runOperation(op, ctx, async (final) =>
          stream.call(host.adapter, final as ListOperation, ctx, { batchSize: options.batchSize }),
        );
        return rows[Symbol.asyncIterator]();
      };
      const first = async (): Promise<IteratorResult<RowData>> => {
        try {
          inner = await (opening ??= open());
        } catch (error) {
          done = true;
          throw error;
        }
        return inner.next();
      };
      return {
        next(): Promise<IteratorResult<RowData>> {
          if (done) return Promise.resolve({ done: true, value: undefined });
          // Once open, the adapter's iterator answers directly (it ends itself after an error or the last row).
          return inner ? inner.next() : first();
        },
        async return(): Promise<IteratorResult<RowData>> {
          done = true;
          const it = inner ?? (opening ? await opening.catch(() => undefined) : undefined);
          await it?.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
