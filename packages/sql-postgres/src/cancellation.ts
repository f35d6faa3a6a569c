import { AbortError } from "@dataflow/kernel/plugin";
import type { AbortWatcher } from "@dataflow/sql-core";
import { abortWatchers } from "@dataflow/sql-core";
import { redactedCause } from "./errors.js";

/** Asks the server to cancel whatever `pid` is running (from a connection other than `pid`'s). Never throws. */
export type CancelBackend = (pid: number) => Promise<void>;

export function abortedError(signal: AbortSignal): AbortError {
  return new AbortError("The run was aborted before the statement started", { cause: signal.reason });
}

/** Calls `handler` if `signal` aborts; returns the function that stops watching. */
export function onAbortOf(signal: AbortSignal, handler: () => void): () => void {
  const watchers = abortWatchers(signal);
  const watcher: AbortWatcher = { onAbort: handler };
  watchers.add(watcher);
  return () => watchers.delete(watcher);
}

/**
 * One statement's cancellation: on abort, asks the server to cancel `pid`'s statement, again with
 * backoff until the statement settles (a cancel that arrives before the statement is discarded).
 */
class Cancellation implements AbortWatcher {
  settled = false;
  cancelling: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  constructor(
    private readonly pid: number,
    private readonly cancel: CancelBackend,
  ) {}

  onAbort(): void {
    this.cancelling ??= this.repeat();
  }

  private async repeat(): Promise<void> {
    for (let delay = 25; !this.settled; delay = Math.min(delay * 2, 500)) {
      await this.cancel(this.pid);
      if (this.settled) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, delay).unref();
      });
    }
  }

  /** The statement settled: no further cancel is sent. */
  settle(): void {
    this.settled = true;
    this.wake?.();
  }
}

/**
 * A pooled statement's watch on its run's signal, from the checkout to its result, as one watcher:
 * an abort while it waits for a connection abandons the wait (`abandon` fails the caller at once;
 * the connection, when it comes, goes straight back to the pool); an abort while it runs cancels
 * it on the server, as `cancellable` does.
 */
export class StatementWatch implements AbortWatcher {
  /** True once an abort gave up the wait for a connection. */
  abandoned = false;
  private readonly watchers: Set<AbortWatcher>;
  private cancellation: Cancellation | undefined;

  constructor(
    signal: AbortSignal,
    private readonly abandon: () => void,
  ) {
    this.watchers = abortWatchers(signal);
    this.watchers.add(this);
  }

  onAbort(): void {
    if (this.cancellation) this.cancellation.onAbort();
    else if (!this.abandoned) {
      this.abandoned = true;
      this.watchers.delete(this);
      this.abandon();
    }
  }

  /** The statement goes to the backend `pid` now: from here an abort cancels it there (no pid: it cannot be cancelled). */
  running(pid: number | null, cancel: CancelBackend): void {
    if (pid === null) this.watchers.delete(this);
    else this.cancellation = new Cancellation(pid, cancel);
  }

  /** The statement settled: no further cancel is sent. Returns the cancel request still in flight, if any. */
  settle(): Promise<void> | undefined {
    this.watchers.delete(this);
    const cancellation = this.cancellation;
    if (cancellation === undefined) return undefined;
    cancellation.settle();
    return cancellation.cancelling;
  }
}

/**
 * Runs `work` (statements on the backend `pid`) so that an abort of `signal` cancels it on the
 * server; the work then fails with `AbortError` (its `cause` is the driver's error).
 *
 * The promise settles only once no cancel request is in flight any more, so the connection can be
 * reused without the next statement being hit. Without an abort this costs one watcher entry and
 * one promise reaction per statement.
 */
export function cancellable<T>(pid: number | null, signal: AbortSignal, cancel: CancelBackend, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError(signal));
  if (pid === null) return work();
  const watchers = abortWatchers(signal);
  const cancellation = new Cancellation(pid, cancel);
  watchers.add(cancellation);
  let pending: Promise<T>;
  try {
    pending = work();
  } catch (error) {
    watchers.delete(cancellation);
    return Promise.reject(error);
  }
  return pending.then(
    (value) => {
      watchers.delete(cancellation);
      cancellation.settle();
      const cancelling = cancellation.cancelling;
      return cancelling ? cancelling.then(() => value) : value;
    },
    (error: unknown) => {
      watchers.delete(cancellation);
      cancellation.settle();
      const cancelling = cancellation.cancelling;
      if (!cancelling) throw error;
      return cancelling.then(() => {
        throw new AbortError("The statement was cancelled because the run was aborted", { cause: redactedCause(error) });
      });
    },
  );
}
