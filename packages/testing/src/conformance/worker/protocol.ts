/** What crosses the thread boundary between the suite and a bounded-work worker. */

/** A thrown error as plain data: its class chain, and its message and field cut to a readable size. */
export interface ErrorSummary {
  /** Class names from the error's own class up to `Error`, e.g. `["WorkflowValidationError", "ValidationError", "DataFlowError"]`. */
  readonly kinds: readonly string[];
  readonly message: string;
  readonly messageLength: number;
  readonly field: string | undefined;
  readonly fieldLength: number;
  readonly fix: string | undefined;
}

export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ErrorSummary };

export type WorkerMessage =
  | { readonly type: "ready" }
  | { readonly type: "done"; readonly outcome: Outcome; readonly elapsedMs: number }
  | { readonly type: "setup-failed"; readonly error: ErrorSummary };

/** The data a worker starts with. */
export interface WorkerJob {
  readonly module: string;
  readonly data: unknown;
  readonly kind: string;
  readonly args: unknown;
}

const SHOWN = 2000;

export function summarize(error: unknown): ErrorSummary {
  const kinds: string[] = [];
  if (error !== null && typeof error === "object") {
    for (let c = error.constructor as unknown; typeof c === "function" && c !== Error && c !== Object; c = Object.getPrototypeOf(c)) {
      kinds.push((c as { name: string }).name);
    }
  }
  const e = (error ?? {}) as { message?: unknown; field?: unknown; fix?: unknown };
  const message = typeof e.message === "string" ? e.message : String(error);
  const field = typeof e.field === "string" ? e.field : undefined;
  return {
    kinds,
    message: message.slice(0, SHOWN),
    messageLength: message.length,
    field: field?.slice(0, SHOWN),
    fieldLength: field?.length ?? 0,
    fix: typeof e.fix === "string" ? e.fix.slice(0, SHOWN) : undefined,
  };
}
