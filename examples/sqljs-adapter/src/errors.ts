import type { Model } from "@dataflow/kernel/plugin";
import {
  ConnectionError,
  DataFlowError,
  ConstraintViolationError,
  DatabaseError,
  ForeignKeyViolationError,
  NotNullViolationError,
  ValidationError,
} from "@dataflow/kernel/plugin";
import { failure, uniqueViolation } from "@dataflow/sql-core";

/** sql.js errors carry SQLite's extended result code as text (`SQLITE_CONSTRAINT_UNIQUE`) in `code`. */
export function mapSqlJsError(error: unknown, model?: Model): DataFlowError {
  if (error instanceof DataFlowError) return error;
  const { code = "", message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const columns = /constraint failed: (.+)$/.exec(message)?.[1]?.split(",");
    const names = columns?.map((c) => c.trim().split(".").pop()!);
    return uniqueViolation(model, names, error);
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL") {
    const column = /NOT NULL constraint failed: \S+\.(\w+)/.exec(message)?.[1];
    return new NotNullViolationError(`A required value is missing${column ? ` for '${column}'` : ""}`, { cause: error, ...(column ? { field: column } : {}) });
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return new ForeignKeyViolationError("A foreign key constraint failed", { cause: error });
  if (code.startsWith("SQLITE_CONSTRAINT")) return new ConstraintViolationError(`A constraint failed (${code})`, { cause: error });
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return failure("lock-timeout", "The database is locked", error);
  if (code === "SQLITE_TOOBIG") return new ValidationError("A value is larger than SQLite allows", { cause: error });
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT") return new ConnectionError("The file is not a SQLite database", { cause: error });
  return new DatabaseError(`sql.js error ${code}: ${message}`.replace("  ", " "), { cause: error });
}
