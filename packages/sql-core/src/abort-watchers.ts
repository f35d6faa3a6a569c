/** Something that wants to hear when a signal aborts (a statement that would cancel itself). */
export interface AbortWatcher {
  onAbort(): void;
}

/**
 * The watchers of one signal: the statements it runs right now. Usually one (a run's signal, one
 * statement at a time), which takes a field store and no hash table; more go to a `Set`.
 */
export class AbortWatchers {
  private one: AbortWatcher | undefined;
  private more: Set<AbortWatcher> | undefined;

  add(watcher: AbortWatcher): void {
    if (this.one === undefined) this.one = watcher;
    else (this.more ??= new Set()).add(watcher);
  }

  delete(watcher: AbortWatcher): void {
    if (this.one === watcher) this.one = undefined;
    else this.more?.delete(watcher);
  }

  /** Tells the watchers present at the abort, each unless an earlier one deleted it meanwhile. */
  notify(): void {
    const all: AbortWatcher[] = [];
    if (this.one !== undefined) all.push(this.one);
    if (this.more !== undefined) all.push(...this.more);
    for (const watcher of all) if (this.one === watcher || this.more?.has(watcher)) watcher.onAbort();
  }
}

const watching = new WeakMap<AbortSignal, AbortWatchers>();

/**
 * The watchers of `signal`, to add a statement to while it runs and delete it from after. One
 * 'abort' listener per signal however many statements it sees: adding and removing an EventTarget
 * listener per statement costs far more than a field store.
 */
export function abortWatchers(signal: AbortSignal): AbortWatchers {
  let watchers = watching.get(signal);
  if (!watchers) {
    const created = new AbortWatchers();
    watching.set(signal, created);
    signal.addEventListener("abort", () => created.notify(), { once: true });
    watchers = created;
  }
  return watchers;
}
