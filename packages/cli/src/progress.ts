import type { SingleBar } from "cli-progress";
import { MultiBar } from "cli-progress";

/** One piece of long work as the CLI shows it. */
export interface ProgressItem {
  /** Identifies the piece of work: one bar per key. */
  readonly key: string;
  /** What is being done now, e.g. `BulkCreate User (import)` or `20260101_init: statement 2/5`. */
  readonly label: string;
  readonly done: number;
  /** Undefined while unknown (a stream). */
  readonly total: number | undefined;
  /** What `done` counts: `rows`, `statements`. */
  readonly unit: string;
  readonly finished: boolean;
}

/** Shows progress of long work; `stop()` once the work is over (it restores the terminal). */
export interface ProgressDisplay {
  update(item: ProgressItem): void;
  /** A line that is not a count (waiting for a lock, resuming), shown above any bar. */
  message(text: string): void;
  stop(): void;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

function counts(item: ProgressItem): string {
  return `${item.done}${item.total === undefined ? "" : `/${item.total}`} ${item.unit}`;
}

/** One plain line per report: no cursor movement, no escape codes unless `mark` adds colour. */
export class LineProgress implements ProgressDisplay {
  constructor(
    private readonly stream: Stream,
    private readonly mark: string,
  ) {}

  update(item: ProgressItem): void {
    this.stream.write(`${this.mark} ${item.label} — ${counts(item)}${item.finished ? ", done" : ""}\n`);
  }

  message(text: string): void {
    this.stream.write(`${this.mark} ${text}\n`);
  }

  stop(): void {}
}

const KNOWN = "{label} [{bar}] {value}/{total} {unit}";
const UNKNOWN = "{label} {value} {unit}";

/** Bars redrawn in place on a terminal (cli-progress), one per key; no colour codes, only cursor movement. */
export class BarProgress implements ProgressDisplay {
  private readonly multi: MultiBar;
  private readonly bars = new Map<string, SingleBar>();

  constructor(stream: Stream) {
    this.multi = new MultiBar({
      stream,
      format: KNOWN,
      barCompleteChar: "#",
      barIncompleteChar: "-",
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      // Redraws come from the work's own reports (already rate-bounded), plus at most 10 a second.
      fps: 10,
    });
  }

  update(item: ProgressItem): void {
    const total = item.total ?? Math.max(item.done, 1);
    const payload = { label: item.label, unit: item.unit };
    let bar = this.bars.get(item.key);
    if (bar === undefined) {
      bar = this.multi.create(total, item.done, payload, { format: item.total === undefined ? UNKNOWN : KNOWN });
      this.bars.set(item.key, bar);
    } else {
      bar.setTotal(total);
      bar.update(item.done, payload);
    }
    if (item.finished) bar.stop();
    // Draw now: the work reports at a bounded rate, and may keep the event loop (and so the bars' timer) busy.
    this.multi.update();
  }

  message(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}

/** Nothing at all (`--quiet`). */
export const NO_PROGRESS: ProgressDisplay = { update() {}, message() {}, stop() {} };
