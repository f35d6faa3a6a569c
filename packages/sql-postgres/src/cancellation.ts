import { AbortError } from "@dataflow/kernel/plugin";
import type { AbortWatcher, AbortWatchers } from "@dataflow/sql-core";
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
 * One statement's cancellation, made only when its signal aborts: asks the server to cancel `pid`'s
 * statement, again with backoff until the statement settles (a cancel that arrives before the
 * statement is discarded).
 */
class Cancellation {
  settled = false;
  readonly cancelling: Promise<void>;
  private wake: (() => void) | undefined;
  constructor(
    private readonly pid: number,
    private readonly cancel: CancelBackend,
  ) {
    this.cancelling = this.repeat();
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
 * A statement's watch on its run's signal, one object per statement, entered in the signal's
 * watcher set (one 'abort' listener per signal, `abortWatchers`). A pooled statement is watched
 * from the checkout: an abort while it waits for a connection abandons the wait (`abandon` fails
 * the caller at once; the connection, when it comes, goes straight back to the pool). Once it runs
 * on a backend, an abort cancels it there; the `Cancellation` is made only then, so a statement
 * whose signal never aborts costs this object and a set entry.
 */
export class StatementWatch implements AbortWatcher {
  /** True once an abort gave up the wait for a connection. */
  abandoned = false;
  private readonly watchers: AbortWatchers;
  private pid: number | null = null;
  private cancel: CancelBackend | undefined;
  private cancellation: Cancellation | undefined;

  constructor(
    private readonly signal: AbortSignal,
    /** Fails the caller of a statement still waiting for a connection (undefined: it runs already). */
    private readonly abandon: ((error: AbortError) => void) | undefined,
    /** `abortWatchers(signal)`, when the caller has them. */
    watchers?: AbortWatchers,
  ) {
    this.watchers = watchers ?? abortWatchers(signal);
    this.watchers.add(this);
  }

  onAbort(): void {
    if (this.cancel !== undefined) this.cancellation ??= new Cancellation(this.pid!, this.cancel);
    else if (!this.abandoned && this.abandon !== undefined) {
      this.abandoned = true;
      this.watchers.delete(this);
      this.abandon(abortedError(this.signal));
    }
  }

  /** The statement goes to the backend `pid` now: from here an abort cancels it there (no pid: it cannot be cancelled). */
  running(pid: number | null, cancel: CancelBackend): void {
    if (pid === null) this.watchers.delete(this);
    else {
      this.pid = pid;
      this.cancel = cancel;
    }
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
 * reused without the next statement being hit. Without an abort this costs one watch and one
 * promise reaction per statement.
 */
export function cancellable<T>(pid: number | null, signal: AbortSignal, cancel: CancelBackend, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(abortedError(signal));
  if (pid === null) return work();
  const watch = new StatementWatch(signal, undefined);
  watch.running(pid, cancel);
  let pending: Promise<T>;
  try {
    pending = work();
  } catch (error) {
    watch.settle();
    return Promise.reject(error);
  }
  return pending.then(
    (value) => {
      const cancelling = watch.settle();
      return cancelling ? cancelling.then(() => value) : value;
    },
    (error: unknown) => {
      const cancelling = watch.settle();
      if (!cancelling) throw error;
      return cancelling.then(() => {
        throw new AbortError("The statement was cancelled because the run was aborted", { cause: redactedCause(error) });
      });
    },
  );
}
