// RFC 9457 problem details from any thrown value. What the client sees is chosen per error class:
// input errors keep their message (it describes the caller's own request); database and internal
// failures get a fixed sentence, so no SQL, stack trace or value from another row ever leaves.
import {
  AbortError,
  ConnectionError,
  ConstraintViolationError,
  DataFlowError,
  NotFoundError,
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
  /** The DataFlow error class, e.g. `ValidationError`. */
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
  /** A fixed detail instead of the error's message. */
  readonly detail?: string;
}

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
];

const INTERNAL: Rule = { is: () => true, status: 500, title: "Internal error", detail: "The request failed; the server log has the details" };

function slug(code: string): string {
  return code.toLowerCase().replaceAll("_", "-");
}

export function toProblem(thrown: unknown): Problem {
  let error = thrown;
  let nodeId: string | undefined;
  let runId: string | undefined;
  if (error instanceof WorkflowExecutionError) {
    runId = error.runId;
    if (error.nodeId !== "(run)") nodeId = error.nodeId;
    error = error.cause ?? error;
  }
  if (!(error instanceof DataFlowError)) {
    return {
      type: "urn:dataflow:problem:internal",
      title: INTERNAL.title,
      status: 500,
      detail: INTERNAL.detail!,
      errorClass: "Error",
      code: "INTERNAL",
      ...(runId ? { runId } : {}),
    };
  }
  const rule = RULES.find((r) => r.is(error as DataFlowError)) ?? INTERNAL;
  return {
    type: `urn:dataflow:problem:${slug(error.code)}`,
    title: rule.title,
    status: rule.status,
    detail: rule.detail ?? error.message,
    errorClass: error.name,
    code: error.code,
    ...(error.field !== undefined ? { field: error.field } : {}),
    ...(error.fix !== undefined && rule.detail === undefined ? { fix: error.fix } : {}),
    ...(nodeId ? { nodeId } : {}),
    ...(runId ? { runId } : {}),
    ...(error instanceof RateLimitError ? { retryAfter: error.retryAfterSeconds } : {}),
  };
}
