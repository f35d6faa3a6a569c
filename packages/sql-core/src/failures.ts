import type { DataFlowError, DataFlowErrorOptions, FilterNode } from "@dataflow/kernel/plugin";
import { ConnectionError, TimeoutError, TooManyConnectionsError, TransactionError, ValidationError } from "@dataflow/kernel/plugin";

/**
 * Failures every SQL database can report. Each dialect maps its own codes to one of these
 * (see the table in this package's README), so the same failure gets the same error class and
 * the same `retryable` on every database.
 */
export type FailureKind =
  | "connection-lost"
  | "connection-refused"
  | "authentication"
  | "unknown-database"
  | "too-many-connections"
  | "acquire-timeout"
  | "deadlock"
  | "serialization"
  | "lock-timeout"
  | "schema-changed"
  | "statement-timeout";

type ErrorClass = new (message: string, options?: DataFlowErrorOptions) => DataFlowError;

interface FailureClass {
  readonly error: ErrorClass;
  /** True when running the same work again (the whole transaction, if one was open) may succeed. */
  readonly retryable: boolean;
  readonly fix: string;
}

export const FAILURES: Readonly<Record<FailureKind, FailureClass>> = {
  "connection-lost": {
    error: ConnectionError,
    retryable: true,
    fix: "The session ended (server restart, killed connection, network); an open transaction was rolled back. Retry the whole unit of work",
  },
  "connection-refused": { error: ConnectionError, retryable: true, fix: "Check that the server runs and is reachable, then retry" },
  authentication: { error: ConnectionError, retryable: false, fix: "Check the user name and password in the URL" },
  "unknown-database": { error: ConnectionError, retryable: false, fix: "Create the database named in the URL, or fix the URL" },
  "too-many-connections": {
    error: TooManyConnectionsError,
    retryable: true,
    fix: "Lower pool.max, or raise max_connections on the server",
  },
  "acquire-timeout": {
    error: TimeoutError,
    retryable: true,
    fix: "Raise pool.max or pool.acquireTimeoutMs, or hold connections for less time",
  },
  deadlock: { error: TransactionError, retryable: true, fix: "The database rolled the transaction back; retry the whole transaction" },
  serialization: { error: TransactionError, retryable: true, fix: "Retry the whole transaction" },
  "lock-timeout": { error: TransactionError, retryable: true, fix: "Roll the whole transaction back and retry it" },
  "schema-changed": {
    error: TransactionError,
    retryable: true,
    fix: "A table changed under the open transaction (DDL elsewhere); retry the whole transaction",
  },
  "statement-timeout": {
    error: TimeoutError,
    retryable: false,
    fix: "Raise pool.statementTimeoutMs or make the statement cheaper",
  },
};

/** The error of a failure kind, with the class and `retryable` of the shared table. */
export function failure(kind: FailureKind, message: string, cause: unknown, fix?: string): DataFlowError {
  const { error: ErrorOf, retryable, fix: defaultFix } = FAILURES[kind];
  return new ErrorOf(message, { cause, retryable, fix: fix ?? defaultFix });
}

const regexFailures = new WeakSet<DataFlowError>();

/** The server refused a `$regex` pattern; `executeOperation` names the pattern's filter position. */
export function invalidRegex(database: string, cause: unknown): ValidationError {
  const error = new ValidationError(`A $regex pattern is not a regular expression ${database} accepts`, {
    cause,
    fix: `See the ${database} adapter's README for the regex syntax it accepts`,
  });
  regexFailures.add(error);
  return error;
}

function regexPaths(node: FilterNode, into: string[]): string[] {
  if (node.t === "and" || node.t === "or") for (const item of node.items) regexPaths(item, into);
  else if (node.t === "not") regexPaths(node.item, into);
  else if (node.t === "regex") into.push(node.path ?? node.field.name);
  return into;
}

/** An `invalidRegex` error, re-made to name the `$regex` operand(s) of the filter that ran. */
export function withRegexField(error: DataFlowError, where: FilterNode | undefined): DataFlowError {
  if (!regexFailures.has(error) || where === undefined) return error;
  const paths = regexPaths(where, []);
  if (paths.length === 0) return error;
  const field = paths.join(",");
  return new ValidationError(`'${field}' is not a regular expression the database accepts`, {
    field,
    cause: error.cause,
    ...(error.fix ? { fix: error.fix } : {}),
  });
}
