import { describe, expect, it } from "vitest";
import type { AbortWatcher } from "../src/abort-watchers.js";
import { abortWatchers } from "../src/abort-watchers.js";

const watcher = (log: string[], name: string, also?: () => void): AbortWatcher => ({
  onAbort: () => {
    log.push(name);
    also?.();
  },
});

describe("abortWatchers", () => {
  it("is one registry per signal", () => {
    const a = new AbortController().signal;
    expect(abortWatchers(a)).toBe(abortWatchers(a));
    expect(abortWatchers(a)).not.toBe(abortWatchers(new AbortController().signal));
  });

  it("tells every watcher present at the abort, once, and none that left before", () => {
    const controller = new AbortController();
    const watchers = abortWatchers(controller.signal);
    const log: string[] = [];
    const first = watcher(log, "first");
    const second = watcher(log, "second");
    const third = watcher(log, "third");
    const gone = watcher(log, "gone");
    watchers.add(first);
    watchers.add(gone);
    watchers.add(second);
    watchers.delete(gone);
    watchers.delete(first);
    // The slot `first` left is taken again; `second` stays in the overflow set.
    watchers.add(third);
    controller.abort();
    controller.abort();
    expect(log.sort()).toEqual(["second", "third"]);
  });

  it("lets a watcher delete itself and others while the abort is told; a deleted one is not told", () => {
    const controller = new AbortController();
    const watchers = abortWatchers(controller.signal);
    const log: string[] = [];
    const late = watcher(log, "late");
    const early: AbortWatcher = watcher(log, "early", () => {
      watchers.delete(early);
      watchers.delete(late);
    });
    watchers.add(early);
    watchers.add(late);
    controller.abort();
    expect(log).toEqual(["early"]);
  });
});
