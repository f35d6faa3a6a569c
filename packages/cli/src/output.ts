import { styleText } from "node:util";
import type { ProgressDisplay } from "./progress.js";
import { BarProgress, LineProgress, NO_PROGRESS } from "./progress.js";

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  /** The command ran and found a problem (check), or refused or failed (apply, generate). */
  failed: 1,
  /** Bad arguments or config. */
  usage: 2,
} as const;

type Color = "red" | "green" | "yellow" | "dim" | "bold";

/**
 * Where a command writes: results on stdout (one JSON document with `--json`), progress and
 * errors on stderr. Colour only on a terminal, and never with NO_COLOR or `--no-color`.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly quiet: boolean,
    private readonly color: boolean,
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  ) {}

  static create(options: { json?: boolean; quiet?: boolean; color?: boolean }): Output {
    const tty = process.stdout.isTTY === true && process.stderr.isTTY === true;
    const noColor = Object.hasOwn(process.env, "NO_COLOR") && process.env.NO_COLOR !== "";
    return new Output(options.json === true, options.quiet === true, options.color !== false && tty && !noColor);
  }

  paint(color: Color, text: string): string {
    return this.color ? styleText(color, text) : text;
  }

  /** A line about a long step in progress (stderr). */
  progress = (message: string): void => {
    if (!this.quiet) this.err.write(`${this.paint("dim", "›")} ${message}\n`);
  };

  /**
   * Progress of long work on stderr: bars redrawn in place when stderr is a terminal (and TERM is
   * not `dumb`), plain lines otherwise (no escape codes), nothing with `--quiet`.
   */
  progressDisplay(): ProgressDisplay {
    if (this.quiet) return NO_PROGRESS;
    if (this.err.isTTY === true && process.env.TERM !== "dumb") return new BarProgress(this.err);
    return new LineProgress(this.err, this.paint("dim", "›"));
  }

  /** Human-readable lines (stdout), skipped with `--json`. */
  line(text = ""): void {
    if (!this.json) this.out.write(`${text}\n`);
  }

  /** The command's result: a JSON document with `--json`. */
  result(data: Record<string, unknown>): void {
    if (this.json) this.out.write(`${JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  }

  error(error: unknown): void {
    const e = error as { name?: string; code?: string; message?: string; field?: string; fix?: string; steps?: unknown };
    if (this.json) {
      this.result({ ok: false, error: { name: e.name, code: e.code, message: e.message, field: e.field, fix: e.fix, ...(e.steps ? { steps: e.steps } : {}) } });
      return;
    }
    this.err.write(`${this.paint("red", "error")} ${e.message ?? String(error)}\n`);
  }
}
