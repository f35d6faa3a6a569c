import {
  AbortError,
  ClosedError,
  ConnectionError,
  ConstraintViolationError,
  DatabaseError,
  DataFlowError,
  NotFoundError,
  TimeoutError,
  TransactionError,
  UniqueViolationError,
  ValidationError,
} from "@dataflow/kernel/plugin";

/** What an error is about, for its message: the operation and collection, never values. */
export interface ErrorContext {
  readonly operation: string;
  readonly collection?: string;
}

interface DriverErrorShape {
  name?: string;
  code?: number | string;
  codeName?: string;
  message?: string;
  keyPattern?: Record<string, unknown>;
  errorLabels?: readonly string[];
  writeErrors?:
    | readonly { code?: number; errmsg?: string; keyPattern?: Record<string, unknown> }[]
    | { code?: number; errmsg?: string; keyPattern?: Record<string, unknown> };
  errorResponse?: { keyPattern?: Record<string, unknown> };
  result?: { insertedCount?: number };
  insertedCount?: number;
}

const DUPLICATE_KEY = new Set([11000, 11001, 12582]);
/** Server codes for malformed queries, updates and pipelines. */
// BadValue, FailedToParse, TypeMismatch, PathNotViable, ConflictingUpdateOperators, DollarPrefixedFieldName,
// ImmutableField, InvalidOptions, InvalidPipelineOperator, field-path, projection, stage and regex errors.
const BAD_INPUT = new Set([2, 9, 14, 28, 40, 52, 66, 72, 168, 15998, 16410, 31249, 31250, 31253, 31254, 40323, 40324, 40352, 51091]);
const TIMEOUT = new Set([50, 202, 262]);
const AUTH = new Set([13, 18]);
const TRANSACTION = new Set([112, 225, 244, 251, 256, 257, 263, 267]);
const NOT_FOUND = new Set([26, 27]);
const NETWORK_NAMES = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoServerClosedError",
  "MongoPoolClearedError",
  "MongoWaitQueueTimeoutError",
  "PoolClosedError",
  "MongoTopologyClosedError",
]);
const ARGUMENT_NAMES = new Set(["MongoInvalidArgumentError", "MongoParseError", "BSONError", "BSONVersionError", "MongoAPIError"]);

function where(ctx: ErrorContext): string {
  return ctx.collection ? `MongoDB ${ctx.operation} on '${ctx.collection}'` : `MongoDB ${ctx.operation}`;
}

function firstWriteError(e: DriverErrorShape): { code?: number; errmsg?: string; keyPattern?: Record<string, unknown> } | undefined {
  const w = e.writeErrors;
  if (Array.isArray(w)) return w[0];
  return w && typeof w === "object" ? (w as { code?: number }) : undefined;
}

/** The duplicated index's fields, from keyPattern or from "index: <name> dup key" in the message. */
function duplicateFields(e: DriverErrorShape, message: string): string[] {
  const pattern = e.keyPattern ?? e.errorResponse?.keyPattern ?? firstWriteError(e)?.keyPattern;
  if (pattern && typeof pattern === "object") return Object.keys(pattern);
  const index = /index: (\S+) dup key/.exec(message)?.[1];
  if (!index) return [];
  return index.replace(/_-?1$/, "").split(/_-?1_/).filter(Boolean);
}

function insertedSoFar(e: DriverErrorShape): number | undefined {
  return e.result?.insertedCount ?? e.insertedCount;
}

/**
 * Maps a driver error to DataFlow's hierarchy, with the driver error as `cause`. Messages name the
 * operation, collection and index fields, never document values (a duplicate key's value stays out).
 */
export function mapMongoError(error: unknown, ctx: ErrorContext): Error {
  if (error instanceof DataFlowError) return error;
  const e = (error ?? {}) as DriverErrorShape;
  const name = e.name ?? "";
  const write = firstWriteError(e);
  const code = typeof e.code === "number" ? e.code : write?.code;
  const message = String(write?.errmsg ?? e.message ?? error);
  const at = where(ctx);
  const labels = e.errorLabels ?? [];

  if (name === "MongoTopologyClosedError" || name === "MongoClientClosedError") {
    return new ClosedError(`${at}: the MongoDB client is closed`, { cause: error });
  }
  if (NETWORK_NAMES.has(name) || labels.includes("NetworkError")) {
    return new ConnectionError(`${at}: the server could not be reached (${name || "network error"})`, {
      cause: error,
      retryable: true,
      fix: "Check that the server is up and the URL's host, port and TLS settings",
    });
  }
  if (name === "AbortError" || name === "MongoAbortError") return new AbortError(`${at} was aborted`, { cause: error });
  if (name === "MongoOperationTimeoutError") return new TimeoutError(`${at} timed out`, { cause: error, retryable: true });
  if (ARGUMENT_NAMES.has(name)) return new ValidationError(`${at}: ${message}`, { cause: error });
  if (code !== undefined && DUPLICATE_KEY.has(code)) {
    if (/duplicate key/i.test(message)) {
      const fields = duplicateFields(e, message);
      const done = insertedSoFar(e);
      const suffix = done === undefined ? "" : ` (${done} document(s) were inserted before it)`;
      return new UniqueViolationError(`${at}: duplicate key for the unique index on ${fields.join(", ") || "its fields"}${suffix}`, fields, {
        cause: error,
      });
    }
    // Servers that reuse 11000 for other write failures (the test emulator does for non-ObjectId _id values).
    return new ValidationError(`${at}: the server refused the write: ${message}`, { cause: error, field: "_id" });
  }
  if (code === 121) {
    return new ConstraintViolationError(`${at}: the document does not match the collection's validator`, { cause: error });
  }
  if (code !== undefined && TIMEOUT.has(code)) return new TimeoutError(`${at} exceeded its time limit`, { cause: error, retryable: true });
  if (code !== undefined && AUTH.has(code)) {
    return new ConnectionError(`${at}: not authorized (${e.codeName ?? code})`, { cause: error, fix: "Check the URL's user, password and authSource" });
  }
  if ((code !== undefined && TRANSACTION.has(code)) || labels.includes("TransientTransactionError")) {
    return new TransactionError(`${at}: ${e.codeName ?? "transaction error"}`, { cause: error, retryable: labels.includes("TransientTransactionError") });
  }
  if (code !== undefined && NOT_FOUND.has(code)) return new NotFoundError(`${at}: ${message}`, { cause: error });
  if (code !== undefined && BAD_INPUT.has(code)) return new ValidationError(`${at}: ${message}`, { cause: error });
  return new DatabaseError(`${at} failed: ${message}`, { cause: error });
}
