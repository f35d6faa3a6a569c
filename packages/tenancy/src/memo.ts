/**
 * One in-flight or finished promise per key. A failure is forgotten once it settles, so a later
 * operation tries again (one attempt at a time, never one per concurrent caller).
 */
export class Memo<K, V = void> {
  private readonly entries = new Map<K, Promise<V>>();

  get(key: K, make: () => Promise<V>): Promise<V> {
    let p = this.entries.get(key);
    if (!p) {
      p = make();
      this.entries.set(key, p);
      p.catch(() => {
        if (this.entries.get(key) === p) this.entries.delete(key);
      });
    }
    return p;
  }
}

/** A `Memo` per adapter (or any object), released with it. */
export class MemoPerOwner<O extends object, K, V = void> {
  private readonly owners = new WeakMap<O, Memo<K, V>>();

  get(owner: O, key: K, make: () => Promise<V>): Promise<V> {
    let memo = this.owners.get(owner);
    if (!memo) this.owners.set(owner, (memo = new Memo()));
    return memo.get(key, make);
  }
}
