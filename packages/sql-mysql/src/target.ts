import type { NodeContext } from "@dataflow/kernel/plugin";
import type { SqlTarget } from "@dataflow/sql-core";
import type { MysqlDialect } from "./dialect.js";
import type { StatementResult } from "./pool.js";

/** What the bulk and upsert strategies need of the adapter: its dialect, transactions and statements with the server's counts. */
export interface MysqlTarget extends SqlTarget {
  readonly dialect: MysqlDialect;
  /** Runs a statement in a node's context (the session's connection and cancellation), with the server's counts. */
  statement(ctx: NodeContext | undefined, text: string, params: readonly unknown[]): Promise<StatementResult>;
  /** A statement whose values are inlined as literals: logs and traces show it redacted. */
  literalStatement(ctx: NodeContext | undefined, text: string): Promise<StatementResult>;
  /** Whether `preparedStatement` prepares (the adapter was not told never to prepare). */
  readonly preparesBulk: boolean;
  /** A statement sent server-side prepared (unless the adapter was told never to prepare), as text if the server refuses to prepare it. */
  preparedStatement(ctx: NodeContext | undefined, text: string, params: readonly unknown[]): Promise<StatementResult>;
}
