import type { DataFlowError, Model } from "@dataflow/kernel/plugin";
import {
  AbortError,
  ConstraintViolationError,
  DatabaseError,
  NotNullViolationError,
  SchemaError,
  TransactionError,
  ValidationError,
} from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { failure, fieldsOfConstraint, foreignKeyViolation, invalidRegex, uniqueViolation } from "@dataflow/sql-core";

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

const REFUSED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

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
        cause,
        ...(column ? { field: column } : {}),
      });
    }
    case "23503": {
      // The detail names the referencing columns on an insert/update ("is not present"), the referenced ones on a delete.
      const columns = /is not present/.test(e.detail ?? "") ? keyColumns(e.detail) : undefined;
      return foreignKeyViolation(
        ctx.dialect,
        ctx.model,
        { ...(e.constraint ? { constraint: e.constraint } : {}), ...(e.table && columns ? { table: e.table, column: columns.join(",") } : {}) },
        cause,
      );
    }
    case "23514":
      return new ConstraintViolationError(`A check constraint${e.constraint ? ` (${e.constraint})` : ""} failed${where}`, { cause });
    case "40001":
      return failure("serialization", "The transaction could not be serialized with concurrent ones", cause);
    case "40P01":
      return failure("deadlock", "The transaction was chosen as a deadlock victim", cause);
    case "55P03":
      return failure("lock-timeout", "A lock could not be acquired within lock_timeout", cause);
    case "2201B":
      return invalidRegex("PostgreSQL", cause);
    case "57014":
      if (/user request/i.test(message)) return new AbortError("The statement was cancelled", { cause });
      return failure(
        "statement-timeout",
        `The statement ran longer than the statement_timeout${ctx.statementTimeoutMs ? ` of ${ctx.statementTimeoutMs} ms` : ""}`,
        cause,
        "Raise pool.statementTimeoutMs (URL ?statement_timeout=ms) or make the query cheaper",
      );
    case "53300":
      return failure("too-many-connections", "The PostgreSQL server has no free connection slots", cause);
    case "3D000":
      return failure("unknown-database", `The PostgreSQL database named in the URL does not exist`, cause);
    case "0A000":
      if (/cached plan must not change result type/i.test(message)) {
        return failure("schema-changed", "A table changed under a prepared statement (DDL elsewhere)", cause);
      }
      break;
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
      cause,
      ...(column ? { field: column } : {}),
    });
  }
  if (code.startsWith("28")) return failure("authentication", `The PostgreSQL server rejected the login: ${redactServerText(message)}`, cause);
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03") {
    return failure("connection-lost", `The PostgreSQL connection failed: ${redactServerText(message)}`, cause);
  }
  if (/too many clients/i.test(message)) return failure("too-many-connections", "The PostgreSQL server has no free connection slots", cause);
  if (message.includes("timeout exceeded when trying to connect")) {
    return failure("acquire-timeout", "No pooled PostgreSQL connection became free within the acquire timeout", cause);
  }
  if (REFUSED_CODES.has(code)) return failure("connection-refused", `The PostgreSQL server cannot be reached: ${message}`, cause);
  if (CONNECTION_CODES.has(code) || CONNECTION_MESSAGES.some((m) => message.includes(m))) {
    return failure("connection-lost", `The PostgreSQL connection failed: ${message}`, cause);
  }
  if (code.startsWith("40")) return new TransactionError(`The transaction failed (${code})`, { cause });
  if (code.startsWith("23")) return new ConstraintViolationError(`A constraint failed (${code})${where}`, { cause });
  return new DatabaseError(`PostgreSQL error${code ? ` ${code}` : ""}: ${redactServerText(message)}`, { cause });
}
