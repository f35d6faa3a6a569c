import type { DataFlowError, Model } from "@dataflow/kernel/plugin";
import {
  ConstraintViolationError,
  DataFlowError as BaseError,
  DatabaseError,
  NotNullViolationError,
  SchemaError,
  TransactionError,
  ValidationError,
} from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { failure, fieldsOfConstraint, foreignKeyViolation, invalidRegex, uniqueViolation } from "@dataflow/sql-core";

/** The parts of a mysql2 error this module reads. */
export interface DriverError {
  errno?: number;
  code?: string;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
  fatal?: boolean;
}

/** Server error numbers the adapter distinguishes (MySQL and MariaDB share them unless noted). */
export const ER = {
  DUP_ENTRY: 1062,
  DUP_ENTRY_WITH_KEY_NAME: 1586,
  BAD_NULL: 1048,
  NO_DEFAULT_FOR_FIELD: 1364,
  ROW_IS_REFERENCED: 1451,
  NO_REFERENCED_ROW: 1452,
  ROW_IS_REFERENCED_OLD: 1217,
  NO_REFERENCED_ROW_OLD: 1216,
  CHECK_CONSTRAINT_VIOLATED: 3819, // MySQL
  CONSTRAINT_FAILED: 4025, // MariaDB
  LOCK_DEADLOCK: 1213,
  LOCK_WAIT_TIMEOUT: 1205,
  DATA_TOO_LONG: 1406,
  OUT_OF_RANGE: 1264,
  INCORRECT_VALUE: 1366,
  TRUNCATED_WRONG_VALUE: 1292,
  DATA_TRUNCATED: 1265,
  INVALID_JSON_TEXT: 3140, // MySQL
  DIVISION_BY_ZERO: 1365,
  PACKET_TOO_LARGE: 1153,
  STATEMENT_TIMEOUT: 1969, // MariaDB max_statement_time
  QUERY_TIMEOUT: 3024, // MySQL max_execution_time
  QUERY_INTERRUPTED: 1317,
  CONNECTION_KILLED: 1927, // MariaDB
  TOO_MANY_CONNECTIONS: 1040,
  TOO_MANY_USER_CONNECTIONS: 1203,
  ACCESS_DENIED: 1045,
  BAD_DB: 1049,
  SERVER_SHUTDOWN: 1053,
  SERVER_GONE: 2006,
  SERVER_LOST: 2013,
  NO_SUCH_TABLE: 1146,
  BAD_FIELD: 1054,
  DUP_KEYNAME: 1061,
  DUP_FIELDNAME: 1060,
  KEY_TOO_LONG: 1071,
  BLOB_KEY_WITHOUT_LENGTH: 1170,
  ROW_SIZE_TOO_LARGE: 1118,
  MAX_PREPARED_STMT_COUNT: 1461,
  READ_ONLY_TRANSACTION: 1792,
  TABLE_DEF_CHANGED: 1412,
  PREPARED_TOO_MANY_PARAMS: 1390,
  CHECKREAD: 1020, // "Record has changed since last read" (MariaDB innodb_snapshot_isolation)
  REGEXP_ERROR: 1139, // MariaDB (PCRE)
  CLIENT_INTERACTION_TIMEOUT: 4031,
} as const;

/** MySQL 8 (ICU) errors for a pattern it cannot compile: 3685 and 3688-3697, 3700. */
const MYSQL_REGEX_SYNTAX = new Set([3685, 3688, 3689, 3690, 3691, 3692, 3693, 3694, 3695, 3696, 3697, 3700]);

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "PROTOCOL_ENQUEUE_HANDSHAKE_TWICE",
  "HANDSHAKE_SSL_ERROR",
]);
const CONNECTION_ERRNOS = new Set<number>([
  ER.SERVER_GONE,
  ER.SERVER_LOST,
  ER.CONNECTION_KILLED,
  ER.SERVER_SHUTDOWN,
  ER.ACCESS_DENIED,
  ER.BAD_DB,
  ER.CLIENT_INTERACTION_TIMEOUT,
]);
/** Driver codes of a server that cannot be reached at all (as opposed to a session that ended). */
const REFUSED_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const VALUE_ERRNOS = new Set<number>([
  ER.DATA_TOO_LONG,
  ER.OUT_OF_RANGE,
  ER.INCORRECT_VALUE,
  ER.TRUNCATED_WRONG_VALUE,
  ER.DATA_TRUNCATED,
  ER.INVALID_JSON_TEXT,
  ER.DIVISION_BY_ZERO,
]);

/** Quoted text in a server message ('...' or "..."), which may be a row value. Backquoted names stay. */
const QUOTED = /'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g;

/** A column named in a server message: `for column 'c'`, ``for column `db`.`t`.`c` ``, `Column 'c'`, `Field 'c'`. */
function columnOf(message: string): string | undefined {
  const m = /(?:column|Column|Field) (?:`[^`]*`\.`[^`]*`\.)?[`']([A-Za-z0-9_]+)[`']/.exec(message);
  return m?.[1];
}

/** Name of the key in `... for key 'ux_users_email'` (MySQL 8 writes `'users.ux_users_email'`), read from the end. */
export function duplicateKeyName(message: string): string | undefined {
  const m = /for key '([^']*)'\s*$/.exec(message);
  if (!m) return undefined;
  const name = m[1]!;
  return name.slice(name.lastIndexOf(".") + 1);
}

/**
 * Driver text without values. The server quotes values without escaping them, so the known shapes
 * are cut greedily between their fixed words first; any other quoted text goes after.
 */
export function redactMessage(message: string): string {
  return message
    .replace(/(Duplicate entry )'.*'( for key '[^']*'\s*)$/s, "$1'?'$2")
    .replace(/(value: )'.*'( for column )/s, "$1'?'$2")
    .replace(/(value: )'.*'$/s, "$1'?'")
    .replace(/(near )'.*'( at line \d+)\s*$/s, "$1'?'$2")
    .replace(QUOTED, (quoted, offset: number, text: string) =>
      NAME_BEFORE.test(text.slice(Math.max(0, offset - 12), offset)) && IDENTIFIER.test(quoted) ? quoted : "'?'",
    );
}
/** Words after which the server quotes a name (key, column, constraint), not a value. */
const NAME_BEFORE = /(?:key|column|Column|Field|constraint|CONSTRAINT|table) $/;
const IDENTIFIER = /^'[A-Za-z0-9_.]+'$/;

/**
 * A copy of the driver error safe to keep as `cause`: code, errno and SQLSTATE, and the server
 * message with quoted values removed (the raw message can hold row values, e.g. `Duplicate entry 'x'`).
 */
export function redactedCause(error: unknown): Error {
  const e = (error ?? {}) as DriverError;
  const text = e.sqlMessage ?? e.message ?? String(error);
  const safe = new Error(redactMessage(text));
  safe.name = "MysqlDriverError";
  Object.assign(safe, { code: e.code, errno: e.errno, sqlState: e.sqlState, fatal: e.fatal });
  return safe;
}

/** True for errors after which the connection cannot be reused. */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as DriverError;
  if (!e || typeof e !== "object") return false;
  if (e.fatal) return true;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.errno !== undefined && CONNECTION_ERRNOS.has(e.errno)) return true;
  return /closed state|Pool is closed|connection is in closed state/i.test(e.message ?? "");
}

/** Context the mapping needs: which model (to name fields), the dialect (index names), and the server flavor. */
export interface MappingContext {
  readonly model?: Model | undefined;
  readonly dialect: Dialect;
  readonly flavor: string;
}

/** "... fails (`db`.`books`, CONSTRAINT `fk_x` FOREIGN KEY (`author_id`) REFERENCES ..." -> the referencing table, constraint and column. */
function foreignKeyOfMessage(message: string): { table?: string; constraint?: string; column?: string } {
  const m = /\(`[^`]*`\.`([^`]+)`, CONSTRAINT `([^`]+)` FOREIGN KEY \(`([^`]+)`/.exec(message);
  return m ? { table: m[1]!, constraint: m[2]!, column: m[3]! } : {};
}

/**
 * mysql2 / server error -> DataFlow error. Messages name fields and constraints, never values;
 * the cause is a redacted copy of the driver error.
 */
export function mapMysqlError(error: unknown, context: MappingContext): DataFlowError {
  if (error instanceof BaseError) return error;
  const e = (error ?? {}) as DriverError;
  const errno = e.errno;
  const message = e.sqlMessage ?? e.message ?? String(error);
  const cause = redactedCause(error);
  const { model, dialect } = context;
  const server = context.flavor === "mariadb" ? "MariaDB" : "MySQL";

  switch (errno) {
    case ER.DUP_ENTRY:
    case ER.DUP_ENTRY_WITH_KEY_NAME: {
      const key = duplicateKeyName(message);
      return uniqueViolation(model, key ? fieldsOfConstraint(dialect, model, key) : undefined, cause);
    }
    case ER.BAD_NULL:
    case ER.NO_DEFAULT_FOR_FIELD: {
      const column = columnOf(message);
      return new NotNullViolationError(`A required value is missing${column ? ` for '${column}'` : ""}`, {
        cause,
        ...(column ? { field: column } : {}),
      });
    }
    case ER.ROW_IS_REFERENCED:
    case ER.ROW_IS_REFERENCED_OLD:
    case ER.NO_REFERENCED_ROW:
    case ER.NO_REFERENCED_ROW_OLD:
      return foreignKeyViolation(dialect, model, foreignKeyOfMessage(message), cause);
    case ER.CHECK_CONSTRAINT_VIOLATED:
    case ER.CONSTRAINT_FAILED: {
      const name = /(?:Check constraint|CONSTRAINT) [`']([^`']+)[`']/.exec(message)?.[1];
      return new ConstraintViolationError(`A CHECK constraint failed${name ? ` (${name})` : ""}`, { cause });
    }
    case ER.LOCK_DEADLOCK:
      return failure("deadlock", `Deadlock detected; ${server} rolled the transaction back`, cause);
    case ER.LOCK_WAIT_TIMEOUT:
      return failure(
        "lock-timeout",
        "Lock wait timeout exceeded",
        cause,
        "Roll the whole transaction back and retry it (InnoDB rolled back only the statement)",
      );
    case ER.CHECKREAD:
      return failure("serialization", "A row read by the transaction was changed by a concurrent one", cause);
    case ER.TABLE_DEF_CHANGED:
      return failure("schema-changed", "A table's definition changed while the transaction was open (DDL elsewhere)", cause);
    case ER.REGEXP_ERROR:
      return invalidRegex(server, cause);
    case ER.PACKET_TOO_LARGE:
      return new ValidationError(`A statement is larger than the server's max_allowed_packet`, {
        cause,
        fix: "Store smaller values or raise max_allowed_packet on the server",
      });
    case ER.STATEMENT_TIMEOUT:
    case ER.QUERY_TIMEOUT:
      return failure("statement-timeout", "The statement exceeded its timeout (pool.statementTimeoutMs) and was cancelled", cause);
    case ER.QUERY_INTERRUPTED:
      return new DatabaseError("The statement was interrupted (KILL QUERY)", { cause });
    case ER.TOO_MANY_CONNECTIONS:
    case ER.TOO_MANY_USER_CONNECTIONS:
      return failure("too-many-connections", `The ${server} server refused the connection: too many connections`, cause);
    case ER.ACCESS_DENIED:
      return failure("authentication", `The ${server} server rejected the user name or password`, cause);
    case ER.BAD_DB:
      return failure("unknown-database", "The database named in the URL does not exist", cause);
    case ER.NO_SUCH_TABLE:
    case ER.BAD_FIELD:
      return new SchemaError(`The table or column does not exist (${e.code ?? errno})`, {
        cause,
        fix: "Let DataFlow create the schema (autoMigrate), or create it yourself",
      });
    case ER.KEY_TOO_LONG:
    case ER.BLOB_KEY_WITHOUT_LENGTH:
    case ER.ROW_SIZE_TOO_LARGE:
      return new SchemaError(`${server} cannot build this table or index (${e.code ?? errno})`, {
        cause,
        fix: "Index only string fields of at most 768 characters; use field.text() for long values",
      });
    case ER.READ_ONLY_TRANSACTION:
      return new TransactionError("Cannot write in a READ ONLY transaction", { cause });
    default:
      break;
  }
  if (errno !== undefined && MYSQL_REGEX_SYNTAX.has(errno)) return invalidRegex(server, cause);
  if (errno !== undefined && VALUE_ERRNOS.has(errno)) {
    const column = columnOf(message);
    const what =
      errno === ER.DATA_TOO_LONG
        ? "is longer than its column allows"
        : errno === ER.OUT_OF_RANGE
          ? "is out of range for its column"
          : "is not a valid value for its column";
    return new ValidationError(column ? `The value of '${column}' ${what}` : `A value ${what}`, {
      cause,
      ...(column ? { field: column } : {}),
    });
  }
  if (isConnectionFailure(error)) {
    const refused = e.code !== undefined && REFUSED_CODES.has(e.code);
    return failure(refused ? "connection-refused" : "connection-lost", `The connection to the ${server} server failed (${e.code ?? errno ?? "closed"})`, cause);
  }
  return new DatabaseError(`${server} error ${e.code ?? ""}${errno ? ` (${errno})` : ""}: ${redactMessage(message)}`, { cause });
}
