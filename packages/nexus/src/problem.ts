// RFC 9457 problem details from any thrown value. Every typed DataFlow error keeps its class, code,
// field and fix; its message is sent when DataFlow composed it from names (input, schema and plugin
// errors), and replaced by a fixed sentence when it may quote the database's own text (driver
// messages, connection details). Anything that is not a DataFlow error is unexpected: a generic 500,
// never its message. So no SQL, stack trace or value from another row ever leaves.
import {
  AbortError,
  ConnectionError,
  ConstraintViolationError,
  DatabaseError,
  DataFlowError,
  NotFoundError,
  PluginError,
  SchemaError,
  TenantError,
  TimeoutError,
  TransactionError,
  UniqueViolationError,
  ValidationError,
  WorkflowExecutionError,
} from "@dataflow/kernel";
import { AuthenticationError, ForbiddenError, PayloadTooLargeError, RateLimitError } from "./errors.js";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The DataFlow error class, e.g. `ValidationError`; `Error` for an unexpected failure. */
  errorClass: string;
  code: string;
  field?: string;
  fix?: string;
  nodeId?: string;
  runId?: string;
  retryAfter?: number;
}

interface Rule {
  readonly is: (e: DataFlowError) => boolean;
  readonly status: number;
  readonly title: string;
  /** A fixed detail instead of the error's message (which may quote the database). */
  readonly detail?: string;
}

// Subclasses before their parents: the first match wins.
const RULES: readonly Rule[] = [
  { is: (e) => e instanceof AuthenticationError, status: 401, title: "Unauthenticated" },
  { is: (e) => e instanceof ForbiddenError, status: 403, title: "Forbidden" },
  { is: (e) => e instanceof TenantError, status: 403, title: "Tenant refused" },
  { is: (e) => e instanceof RateLimitError, status: 429, title: "Too many requests" },
  { is: (e) => e instanceof PayloadTooLargeError, status: 413, title: "Payload too large" },
  { is: (e) => e instanceof NotFoundError, status: 404, title: "Not found" },
  { is: (e) => e instanceof ValidationError, status: 400, title: "Invalid request" },
  { is: (e) => e instanceof UniqueViolationError, status: 409, title: "Conflict" },
  { is: (e) => e instanceof ConstraintViolationError, status: 409, title: "Constraint violated", detail: "The write violates a constraint of the table" },
  { is: (e) => e instanceof TimeoutError, status: 504, title: "Timed out", detail: "The database did not answer in time" },
  { is: (e) => e instanceof AbortError, status: 503, title: "Aborted", detail: "The run was aborted" },
  { is: (e) => e instanceof ConnectionError, status: 503, title: "Database unavailable", detail: "The database is not reachable" },
  { is: (e) => e instanceof TransactionError, status: 409, title: "Transaction failed", detail: "The transaction could not complete" },
  { is: (e) => e instanceof SchemaError, status: 500, title: "Database schema mismatch" },
  { is: (e) => e instanceof PluginError, status: 500, title: "Plugin failure" },
  { is: (e) => e instanceof DatabaseError, status: 500, title: "Database error", detail: "The database refused the statement; the server log has the details" },
];

/** A DataFlow error of a class no rule names (a third-party plugin's, say): typed, but its message is not sent. */
const OTHER_TYPED: Rule = { is: () => true, status: 500, title: "Server error", detail: "The request failed; the server log has the details" };

const UNEXPECTED_DETAIL = "The request failed; the server log has the details";

function slug(code: string): string {
  return code.toLowerCase().replaceAll("_", "-");
}

/** The error a problem describes: the failed node's error for a failed run. */
export function problemCause(thrown: unknown): unknown {
  return thrown instanceof WorkflowExecutionError ? (thrown.cause ?? thrown) : thrown;
}

export function toProblem(thrown: unknown): Problem {
  let runId: string | undefined;
  let nodeId: string | undefined;
  if (thrown instanceof WorkflowExecutionError) {
    runId = thrown.runId;
    if (thrown.nodeId !== "(run)") nodeId = thrown.nodeId;
  }
  const error = problemCause(thrown);
  if (!(error instanceof DataFlowError)) {
    return {
      type: "urn:dataflow:problem:internal",
      title: "Internal error",
      status: 500,
      detail: UNEXPECTED_DETAIL,
      errorClass: "Error",
      code: "INTERNAL",
      ...(nodeId ? { nodeId } : {}),
      ...(runId ? { runId } : {}),
    };
  }
  const rule = RULES.find((r) => r.is(error)) ?? OTHER_TYPED;
  return {
    type: `urn:dataflow:problem:${slug(error.code)}`,
    title: rule.title,
    status: rule.status,
    detail: rule.detail ?? error.message,
    errorClass: error.name,
    code: error.code,
    ...(error.field !== undefined ? { field: error.field } : {}),
    ...(error.fix !== undefined ? { fix: error.fix } : {}),
    ...(nodeId ? { nodeId } : {}),
    ...(runId ? { runId } : {}),
    ...(error instanceof RateLimitError ? { retryAfter: error.retryAfterSeconds } : {}),
  };
}
