export { DatabaseAdapter, RUN_TRANSACTIONS, runTransactions } from "./adapter.js";
export type { BulkTotals, TransactionHandle } from "./adapter.js";
export type { PreparedSlot, QueryResult, SqlConnection, SqlExecutor } from "./driver.js";
export { bindRunTransaction } from "./session.js";
export type { SessionOwner, SessionTransaction } from "./session.js";
export type { SqlTarget } from "./target.js";
export { AbortWatchers, abortWatchers } from "./abort-watchers.js";
export type { AbortWatcher } from "./abort-watchers.js";
export { escapeLike, fitIdentifier, lastInstantFormatter, tableReference } from "./dialect.js";
export type {
  CatalogDiscovery,
  CatalogQuery,
  ColumnKind,
  DdlLock,
  Dialect,
  DialectCatalog,
  DialectQueries,
  DialectSyntax,
  DialectTransactions,
  DialectTypes,
  DialectWrites,
  IsolationLevel,
  RowSecurity,
  TransactionOptions,
  UpsertStrategy,
} from "./dialect.js";
export { Params, columnList, compileFilter, keysetFilter, orderByClause, pinsPrimaryKey, whereClause } from "./compile.js";
export { decodeDecimal, rowDecoder } from "./codec.js";
export type { RowDecoder } from "./codec.js";
export { columnDefinition, createIndexStatement, createTableStatement, ensureTables, indexName } from "./ddl.js";
export { executeOperation, multiRowBulkWrite, upsertRow } from "./execute.js";
export { encodeRow, insertColumns } from "./statements.js";
export { WRITE_BOOLEAN, WRITE_ENCODED, WRITE_INSTANT, WRITE_NUMBER, WRITE_TEXT, textWriterOf } from "./text-writers.js";
export type { BulkRowGroup as ColumnGroup } from "@dataflow/kernel/plugin";
export * as statements from "./statements.js";
export type { Statement } from "./statements.js";
export { fieldsOfConstraint, uniqueViolation } from "./constraint-errors.js";
export { foreignKeyConstraint, foreignKeyName, foreignKeyOf, foreignKeyViolation, referencesClause } from "./foreign-keys.js";
export type { ForeignKey } from "./foreign-keys.js";
export { discoverSchema, enumChecks, literalDefault, parseTypeName } from "./discover.js";
export { checkDrift, kindFamily } from "./drift.js";
export { defineSqlPlugin, sqlModelNodes } from "./nodes.js";
export { FAILURES, failure, invalidRegex, withRegexField } from "./failures.js";
export type { FailureKind } from "./failures.js";
export { compileStream, streamRows } from "./stream.js";
export { redactLiterals } from "./redact.js";
export type { CursorOptions, RowCursor, StreamingAdapter } from "./stream.js";
