// Fixed-window rate limiting with a pluggable counter store. The default store is this process's
// memory: with N processes behind a balancer a caller gets up to N x max calls per window. A store
// shared by every process (Redis, the database, a gateway's API) makes the limit global.
import { ValidationError } from "@dataflow/kernel";
import { RateLimitError } from "./errors.js";

/** The count of one key's current window. */
export interface WindowCount {
  /** Calls counted in the window so far, this one included. */
  readonly count: number;
  /** When the window ends, in ms since the epoch. */
  readonly resetAt: number;
}

/**
 * Where the counters live. `increment` counts one call of `key` in its current fixed window of
 * `windowMs` (opening a new window when none is open or the last has ended) and returns the count.
 * It must be atomic across every process sharing the store (e.g. Redis `INCR` + `PEXPIRE NX`).
 * A store that throws or rejects refuses the call (a 500, logged): the limit fails closed.
 */
export interface RateLimitStore {
  increment(key: string, windowMs: number, now: number): WindowCount | Promise<WindowCount>;
}

export interface RateLimitOptions {
  /** Calls allowed per caller per window. */
  readonly max: number;
  /** Window length in milliseconds (default 60,000). */
  readonly windowMs?: number;
  /** Where the counters live (default: this process's memory, see `MemoryRateLimitStore`). */
  readonly store?: RateLimitStore;
}

/** Counters in this process's memory; windows that ended are swept once more than `maxKeys` callers are tracked. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { resetAt: number; count: number }>();

  constructor(private readonly maxKeys = 10_000) {}

  increment(key: string, windowMs: number, now: number): WindowCount {
    let w = this.windows.get(key);
    if (!w || now >= w.resetAt) {
      if (this.windows.size > this.maxKeys) this.sweep(now);
      w = { resetAt: now + windowMs, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now >= w.resetAt) this.windows.delete(key);
  }
}

export class RateLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly store: RateLimitStore;

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new ValidationError("rateLimit.max must be a positive integer", { field: "rateLimit.max" });
    const windowMs = options.windowMs ?? 60_000;
    if (!Number.isInteger(windowMs) || windowMs < 1)
      throw new ValidationError("rateLimit.windowMs must be a positive integer", { field: "rateLimit.windowMs" });
    const store = options.store ?? new MemoryRateLimitStore();
    if (typeof store.increment !== "function") {
      throw new ValidationError("rateLimit.store must have an increment(key, windowMs, now) method", { field: "rateLimit.store" });
    }
    this.max = options.max;
    this.windowMs = windowMs;
    this.store = store;
  }

  /** Counts one call of `key`; throws RateLimitError past the limit. */
  async take(key: string, now = Date.now()): Promise<void> {
    const { count, resetAt } = await this.store.increment(key, this.windowMs, now);
    if (count > this.max) {
      throw new RateLimitError(`Rate limit of ${this.max} calls per ${this.windowMs} ms exceeded`, Math.max(1, Math.ceil((resetAt - now) / 1000)));
    }
  }
}
