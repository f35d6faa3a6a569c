import { maskCredentials } from "./mask.js";

export interface DataFlowErrorOptions {
  cause?: unknown;
  /** Model field or parameter the error is about, e.g. `"data.email"`. */
  field?: string;
  /** A sentence telling the user how to fix it. */
  fix?: string;
  retryable?: boolean;
}

const KINDS = Symbol.for("@dataflow/kernel:error-kinds");

/**
 * Root of every error DataFlow throws. Messages never carry credentials.
 * `instanceof` works across duplicate copies of the kernel (monorepos, test runners that
 * inline packages): each error records the names of its class chain.
 */
export class DataFlowError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    const kinds = (value as { [KINDS]?: readonly string[] } | null)?.[KINDS];
    return Array.isArray(kinds) ? kinds.includes(this.name) : Function.prototype[Symbol.hasInstance].call(this, value);
  }

  readonly code: string = "DATAFLOW_ERROR";
  readonly field: string | undefined;
  readonly fix: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: DataFlowErrorOptions = {}) {
    const text = options.fix ? `${message}. ${options.fix}` : message;
    super(maskCredentials(text), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c)) kinds.push((c as { name: string }).name);
    Object.defineProperty(this, KINDS, { value: kinds });
    this.field = options.field;
    this.fix = options.fix;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad input: unknown field/param/operator, wrong type, missing value. Raised before any I/O. */
export class ValidationError extends DataFlowError {
  override readonly code: string = "VALIDATION_ERROR";
}

/** A model, field, table or other name that is not a safe identifier. */
export class InvalidIdentifierError extends ValidationError {
  override readonly code = "INVALID_IDENTIFIER";
}

/** The workflow graph is invalid: unknown node type, duplicate id, cycle, bad connection. */
export class WorkflowValidationError extends ValidationError {
  override readonly code = "WORKFLOW_INVALID";
}

export class NotFoundError extends DataFlowError {
  override readonly code = "NOT_FOUND";
}

export class UniqueViolationError extends DataFlowError {
  override readonly code = "UNIQUE_VIOLATION";
  /** The constraint's fields. Values are never included. */
  readonly fields: readonly string[];
  constructor(message: string, fields: readonly string[], options: DataFlowErrorOptions = {}) {
    super(message, { ...options, field: fields.join(",") });
    this.fields = fields;
  }
}

export class ConstraintViolationError extends DataFlowError {
  override readonly code: string = "CONSTRAINT_VIOLATION";
}

export class NotNullViolationError extends ConstraintViolationError {
  override readonly code = "NOT_NULL_VIOLATION";
}

export class ForeignKeyViolationError extends ConstraintViolationError {
  override readonly code = "FOREIGN_KEY_VIOLATION";
}

export class ConnectionError extends DataFlowError {
  override readonly code: string = "CONNECTION_ERROR";
}

/** The DataFlow instance (or its adapter) was closed; nothing reopens it. Create a new instance instead. */
export class ClosedError extends ConnectionError {
  override readonly code = "CLOSED";

  /** The error every use of a closed DataFlow instance gets. */
  static ofInstance(): ClosedError {
    return new ClosedError("This DataFlow instance is closed", { fix: "Create a new DataFlow instance; a closed one never reopens" });
  }
}

export class TooManyConnectionsError extends ConnectionError {
  override readonly code = "TOO_MANY_CONNECTIONS";
}

export class TimeoutError extends DataFlowError {
  override readonly code = "TIMEOUT";
}

export class TransactionError extends DataFlowError {
  override readonly code = "TRANSACTION_ERROR";
}

export class TenantError extends DataFlowError {
  override readonly code = "TENANT_ERROR";
}

export class SchemaError extends DataFlowError {
  override readonly code: string = "SCHEMA_ERROR";
}

/**
 * The live table disagrees with the model in a way DataFlow will not fix by itself (a required
 * column the model lacks, a column of another type, a missing column with auto-migration off).
 * Raised by `initialize()` (or first use) before any row is read or written.
 */
export class SchemaDriftError extends SchemaError {
  override readonly code = "SCHEMA_DRIFT";
  readonly table: string;
  readonly column: string;
  constructor(message: string, where: { table: string; column: string }, options: DataFlowErrorOptions = {}) {
    super(message, { ...options, field: where.column });
    this.table = where.table;
    this.column = where.column;
  }
}

/** A column type DataFlow has no field kind for (discovered schemas: `registerSchemaAsModels`, `renderModelsModule`). */
export class UnsupportedColumnTypeError extends SchemaError {
  override readonly code = "UNSUPPORTED_COLUMN_TYPE";
}

/**
 * A discovered table whose primary key a model cannot address (composite, or none), or whose key
 * column would clash with the `id` parameter. Names the table; `columns` holds its key columns.
 */
export class UnsupportedPrimaryKeyError extends SchemaError {
  override readonly code = "UNSUPPORTED_PRIMARY_KEY";
  readonly table: string;
  readonly columns: readonly string[];
  constructor(message: string, where: { table: string; columns: readonly string[] }, options: DataFlowErrorOptions = {}) {
    super(message, { field: where.table, ...options });
    this.table = where.table;
    this.columns = where.columns;
  }
}

/** A write node of a read-only model (a database view). */
export class ReadOnlyModelError extends ValidationError {
  override readonly code = "READ_ONLY_MODEL";
}

export class AbortError extends DataFlowError {
  override readonly code = "ABORTED";
}

export class PluginError extends DataFlowError {
  override readonly code = "PLUGIN_ERROR";
}

/** The database failed in a way no more specific class describes. */
export class DatabaseError extends DataFlowError {
  override readonly code = "DATABASE_ERROR";
}

/** Thrown by `LocalRuntime.execute` when a node fails. */
export class WorkflowExecutionError extends DataFlowError {
  override readonly code = "WORKFLOW_EXECUTION_FAILED";
  readonly nodeId: string;
  readonly runId: string;
  /** Outputs of the nodes that finished before the failure. */
  readonly results: Record<string, unknown>;

  constructor(nodeId: string, runId: string, cause: unknown, results: Record<string, unknown>) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Node '${nodeId}' failed: ${reason}`, {
      cause,
      retryable: cause instanceof DataFlowError ? cause.retryable : false,
    });
    this.nodeId = nodeId;
    this.runId = runId;
    this.results = results;
  }
}

/** A single-record node's filter matched more than one row; nothing was changed. */
export class AmbiguousMatchError extends ValidationError {
  override readonly code = "AMBIGUOUS_MATCH";
}
