import { AbortError } from "@dataflow/kernel/plugin";
import { redactedCause } from "./errors.js";

/** Asks the server to cancel whatever `pid` is running (from a connection other than `pid`'s). Never throws. */
export type CancelBackend = (pid: number) => Promise<void>;

export function abortedError(signal: AbortSignal): AbortError {
  return new AbortError("The run was aborted before the statement started", { cause: signal.reason });
}

/** Statements running under each signal. One listener per signal, not one per statement. */
const running = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `handler` if `signal` aborts; returns the function that stops watching. */
export function onAbortOf(signal: AbortSignal, handler: () => void): () => void {
  let handlers = running.get(signal);
  if (!handlers) {
    const set = new Set<() => void>();
    running.set(signal, set);
    signal.addEventListener("abort", () => {
      for (const h of set) h();
    }, { once: true });
    handlers = set;
  }
  const own = handlers;
  own.add(handler);
  return () => own.delete(handler);
}

/**
 * Runs `work` (statements on the backend `pid`) so that an abort of `signal` cancels it on the
 * server; the work then fails with `AbortError` (its `cause` is the driver's error).
 *
 * A cancel that reaches the backend before the statement does is discarded by PostgreSQL, so it is
 * repeated, with backoff, until the work settles. The promise settles only once no cancel request is
 * in flight any more, so the connection can be reused without the next statement being hit.
 */
export async function cancellable<T>(pid: number | null, signal: AbortSignal, cancel: CancelBackend, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) throw abortedError(signal);
  if (pid === null) return work();
  let settled = false;
  let wake: (() => void) | undefined;
  let cancelling: Promise<void> | undefined;
  const onAbort = () => {
    cancelling = (async () => {
      for (let delay = 25; !settled; delay = Math.min(delay * 2, 500)) {
        await cancel(pid);
        if (settled) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, delay).unref();
        });
      }
    })();
  };
  const unwatch = onAbortOf(signal, onAbort);
  try {
    return await work();
  } catch (error) {
    if (cancelling) throw new AbortError("The statement was cancelled because the run was aborted", { cause: redactedCause(error) });
    throw error;
  } finally {
    settled = true;
    unwatch();
    wake?.();
    if (cancelling) await cancelling;
  }
}
