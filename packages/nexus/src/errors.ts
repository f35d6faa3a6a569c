import { DataFlowError } from "@dataflow/kernel";

/** No credentials, or credentials that do not verify. */
export class AuthenticationError extends DataFlowError {
  override readonly code = "UNAUTHENTICATED";
}

/** The caller may not run this workflow (allow/deny list, read-only mode). */
export class ForbiddenError extends DataFlowError {
  override readonly code: string = "FORBIDDEN";
}

/** A write or delete refused because the surface or the server is read-only. */
export class ReadOnlyError extends ForbiddenError {
  override readonly code = "READ_ONLY";
}

/** Too many calls from one caller in the current window. */
export class RateLimitError extends DataFlowError {
  override readonly code = "RATE_LIMITED";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retryable: true, fix: `Retry after ${retryAfterSeconds} s` });
  }
}

/** The request body or a requested page is larger than the server accepts. */
export class PayloadTooLargeError extends DataFlowError {
  override readonly code = "PAYLOAD_TOO_LARGE";
}
