import { channels } from "./tracing.js";
import type { NodeContext } from "./node.js";

/** What long work reports: rows done so far, and the total when it is known up front. */
export interface ProgressEvent {
  readonly runId: string;
  readonly nodeId: string;
  /** The operation: `BulkCreate`, `BulkUpsert`, `BulkUpdate`, `BulkDelete`, `List` (a stream), `VectorInsert`, ... */
  readonly operation: string;
  readonly model: string;
  readonly done: number;
  /** Undefined while unknown (a stream, a filter-based update). */
  readonly total: number | undefined;
  /** True on the last report of the work. */
  readonly finished: boolean;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Default least gap between two reports of one piece of work (the last one always comes). */
export const PROGRESS_INTERVAL_MS = 200;

/** Reports one piece of work's progress at a bounded rate, to the run's `onProgress` and the `dataflow:progress` channel. */
export class ProgressReporter {
  private last = 0;
  constructor(
    private readonly ctx: NodeContext,
    private readonly operation: string,
    private readonly model: string,
    private readonly total: number | undefined,
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs: number,
  ) {}

  /** `done` rows so far; reported when the interval has passed since the last report, or `finished`. */
  report(done: number, finished = false): void {
    const now = performance.now();
    if (!finished && now - this.last < this.intervalMs) return;
    this.last = now;
    const event: ProgressEvent = {
      runId: this.ctx.runId,
      nodeId: this.ctx.nodeId,
      operation: this.operation,
      model: this.model,
      done,
      total: this.total,
      finished,
    };
    if (this.listener) {
      try {
        this.listener(event);
      } catch (error) {
        this.ctx.logger.warn({ runId: event.runId, nodeId: event.nodeId, err: (error as Error)?.message }, "onProgress listener threw");
      }
    }
    if (channels.progress.hasSubscribers) channels.progress.publish(event);
  }
}

/**
 * A reporter for one piece of work, or undefined (and nothing allocated) when nobody listens:
 * no `onProgress` on the run and no subscriber to `dataflow:progress`.
 */
export function progressFor(ctx: NodeContext | undefined, operation: string, model: string, total?: number): ProgressReporter | undefined {
  if (ctx === undefined) return undefined;
  const listener = ctx.run.options.onProgress;
  if (listener === undefined && !channels.progress.hasSubscribers) return undefined;
  return new ProgressReporter(ctx, operation, model, total, listener, ctx.run.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
}
