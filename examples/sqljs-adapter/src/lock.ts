/** A FIFO lock: `acquire` resolves to the function that releases it. */
export class Lock {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  get held(): boolean {
    return this.waiting > 0;
  }

  acquire(): Promise<() => void> {
    this.waiting++;
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((done) => (release = done));
    return previous.then(() => () => {
      this.waiting--;
      release();
    });
  }
}

const fileLocks = new Map<string, Lock>();

/** One lock per database file in this process: adapters on the same file take turns, as SQLite's write lock makes them. */
export function lockOf(filename: string): Lock {
  if (filename === ":memory:") return new Lock();
  let lock = fileLocks.get(filename);
  if (!lock) fileLocks.set(filename, (lock = new Lock()));
  return lock;
}
