/** Something that wants to hear when a signal aborts (a statement that would cancel itself). */
export interface AbortWatcher {
  onAbort(): void;
}

const watching = new WeakMap<AbortSignal, Set<AbortWatcher>>();

/**
 * The watchers of `signal`, to add a statement to while it runs and delete it from after. One
 * 'abort' listener per signal however many statements it sees: adding and removing an EventTarget
 * listener per statement costs far more than a Set entry.
 */
export function abortWatchers(signal: AbortSignal): Set<AbortWatcher> {
  let watchers = watching.get(signal);
  if (!watchers) {
    const set = new Set<AbortWatcher>();
    watching.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        for (const w of set) w.onAbort();
      },
      { once: true },
    );
    watchers = set;
  }
  return watchers;
}
