import type { DataFlowError, Model } from "@dataflow/kernel/plugin";
import {
  AbortError, ConnectionError, ConstraintViolationError, DatabaseError, ForeignKeyViolationError, NotNullViolationError,
  SchemaError, TimeoutError, TooManyConnectionsError, TransactionError, ValidationError,
} from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { fieldsOfConstraint, uniqueViolation } from "@dataflow/sql-core";

/** The fields of a pg `DatabaseError` (a server error response) that we read. */
interface ServerError {
  code?: string;
  message?: string;
  detail?: string;
  constraint?: string;
  column?: string;
  table?: string;
  schema?: string;
  severity?: string;
  routine?: string;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH"]);

const CONNECTION_MESSAGES = [
  "Connection terminated",
  "Client has encountered a connection error",
  "Client was closed and is not queryable",
  "Cannot use a pool after calling end",
  "Connection terminated due to connection timeout",
];

/** True for a five-character SQLSTATE, i.e. an error the server reported (not a socket or driver error). */
export function isSqlState(code: unknown): code is string {
  return typeof code === "string" && SQLSTATE.test(code);
}

/**
 * True when the error means the connection itself is gone or unusable (destroy it, never reuse it).
 * pg-pool also drops any client that pg marked unqueryable, whatever we decide here.
 */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as ServerError | undefined;
  const code = e?.code;
  if (isSqlState(code)) return code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03";
  const message = e?.message ?? "";
  return (typeof code === "string" && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/** `Key (email)=(a@b.c) already exists.` -> `email` (column names only). */
function keyColumns(detail: string | undefined): string[] | undefined {
  const m = detail ? /^Key \((.+?)\)=/.exec(detail) : null;
  return m ? m[1]!.split(",").map((c) => c.trim().replace(/^"|"$/g, "")) : undefined;
}

/** The server's message and detail without the row values they may quote. */
export function redactServerText(text: string): string {
  return text
    .replace(/(Key \([^)]*\)=)\(.*?\)( already exists| is not present| is still referenced|$)/gs, "$1(***)$2")
    .replace(/Failing row contains \(.*\)/gs, "Failing row contains (***)")
    .replace(/(invalid input syntax for type [\w ]+|invalid input value for enum [\w.]+): ".*"/gs, '$1: "***"')
    .replace(/value ".*?" is out of range/gs, "value *** is out of range");
}

/** A copy of a pg error that is safe to attach as `cause`: SQLSTATE and names, no values, no query context. */
export function redactedCause(error: unknown): Error {
  const e = error as ServerError & Error;
  if (!isSqlState(e?.code)) return e instanceof Error ? e : new Error(String(error));
  const copy = new Error(redactServerText(e.message ?? ""));
  copy.name = "PostgresError";
  const fields: Record<string, unknown> = { code: e.code };
  for (const key of ["severity", "constraint", "column", "table", "schema", "routine"] as const) if (e[key]) fields[key] = e[key];
  if (e.detail) fields.detail = redactServerText(e.detail);
  return Object.assign(copy, fields);
}

export interface MapContext {
  readonly dialect: Dialect;
  readonly model: Model | undefined;
  readonly statementTimeoutMs?: number;
}

/** A pg / socket error -> the kernel's error classes. Messages name fields and constraints, never values. */
export function mapPostgresError(error: unknown, ctx: MapContext): DataFlowError {
  const e = (error ?? {}) as ServerError & { code?: string };
  const code = e.code ?? "";
  const message = e.message ?? String(error);
  const cause = redactedCause(error);
  const where = ctx.model ? ` of ${ctx.model.name}` : "";
  switch (code) {
    case "23505": {
      const fields = (e.constraint ? fieldsOfConstraint(ctx.dialect, ctx.model, e.constraint) : undefined) ?? keyColumns(e.detail);
      return uniqueViolation(ctx.model, fields, cause);
    }
    case "23502": {
      const column = e.column;
      return new NotNullViolationError(`A required value is missing${column ? ` for '${column}'` : ""}${where}`, {
        cause, ...(column ? { field: column } : {}),
      });
    }
    case "23503": {
      const columns = keyColumns(e.detail);
      return new ForeignKeyViolationError(
        `A foreign key constraint${e.constraint ? ` (${e.constraint})` : ""} failed${columns ? ` on ${columns.join(", ")}` : ""}${where}`,
        { cause, ...(columns ? { field: columns.join(",") } : {}) },
      );
    }
    case "23514":
      return new ConstraintViolationError(`A check constraint${e.constraint ? ` (${e.constraint})` : ""} failed${where}`, { cause });
    case "40001":
      return new TransactionError("The transaction could not be serialized with concurrent ones", { cause, retryable: true, fix: "Retry the transaction" });
    case "40P01":
      return new TransactionError("The transaction was chosen as a deadlock victim", { cause, retryable: true, fix: "Retry the transaction" });
    case "57014":
      if (/user request/i.test(message)) return new AbortError("The statement was cancelled", { cause });
      return new TimeoutError(
        `The statement ran longer than the statement_timeout${ctx.statementTimeoutMs ? ` of ${ctx.statementTimeoutMs} ms` : ""}`,
        { cause, fix: "Raise pool.statementTimeoutMs (URL ?statement_timeout=ms) or make the query cheaper" },
      );
    case "53300":
      return new TooManyConnectionsError("The PostgreSQL server has no free connection slots", {
        cause, retryable: true, fix: "Lower pool.max, or raise max_connections on the server",
      });
    case "25006":
      return new TransactionError("The statement writes inside a read-only transaction", { cause });
    case "25P02":
      return new TransactionError("The transaction is aborted; roll it back", { cause });
    case "42P01":
    case "42703":
      return new SchemaError(`${redactServerText(message)}${where}`, { cause, fix: "Check existingSchemaMode / autoMigrate, or create the table or column" });
    default:
      break;
  }
  if (code.startsWith("22")) {
    const column = e.column;
    return new ValidationError(`A value is not valid for its column${column ? ` '${column}'` : ""}${where}: ${redactServerText(message)}`, {
      cause, ...(column ? { field: column } : {}),
    });
  }
  if (code.startsWith("08") || code.startsWith("28") || code === "57P01" || code === "57P02" || code === "57P03" || code === "3D000") {
    return new ConnectionError(`The PostgreSQL connection failed: ${redactServerText(message)}`, { cause, retryable: !code.startsWith("28") });
  }
  if (/too many clients/i.test(message)) {
    return new TooManyConnectionsError("The PostgreSQL server has no free connection slots", {
      cause, retryable: true, fix: "Lower pool.max, or raise max_connections on the server",
    });
  }
  if (message.includes("timeout exceeded when trying to connect")) {
    return new TimeoutError("No pooled PostgreSQL connection became free within the acquire timeout", {
      cause, retryable: true, fix: "Raise pool.max or pool.acquireTimeoutMs, or hold connections for less time",
    });
  }
  if (CONNECTION_CODES.has(code) || CONNECTION_MESSAGES.some((m) => message.includes(m))) {
    return new ConnectionError(`The PostgreSQL connection failed: ${message}`, { cause, retryable: true });
  }
  if (code.startsWith("40")) return new TransactionError(`The transaction failed (${code})`, { cause });
  if (code.startsWith("23")) return new ConstraintViolationError(`A constraint failed (${code})${where}`, { cause });
  return new DatabaseError(`PostgreSQL error${code ? ` ${code}` : ""}: ${redactServerText(message)}`, { cause });
}
