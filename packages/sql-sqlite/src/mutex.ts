/** FIFO lock for the single SQLite connection while a transaction holds it. */
export class Mutex {
  private queue: Array<() => void> = [];
  held = false;

  /** Callers queued for the lock. */
  get waiting(): number {
    return this.queue.length;
  }

  acquire(): Promise<() => void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => this.queue.push(() => resolve(this.releaser())));
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.queue.shift();
      if (next) next();
      else this.held = false;
    };
  }
}
