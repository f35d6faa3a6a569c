import type { NodeContext } from "@dataflow/kernel/plugin";
import type { ClientSession, Collection, Db, Document } from "mongodb";
import type { DocumentLayout } from "./layout.js";

/** What the model executor needs from the adapter. */
export interface ModelTarget {
  /** Known once connected (the layout depends on the server's capabilities). */
  readonly layout: DocumentLayout;
  /** The session an operation of node `ctx` joins (its run's transaction, else the ambient `db.transaction()`), if any. */
  session(ctx?: NodeContext): ClientSession | undefined;
  database(): Promise<Db>;
  /** `maxTimeMS` of every read; 0 = none. */
  readonly statementTimeoutMs: number;
  /** Called with +1 when a stream opens a server cursor and -1 once it has closed it. */
  countCursor(delta: 1 | -1): void;
  run<T>(operation: string, collection: string, signal: AbortSignal | undefined, fn: (c: Collection<Document>) => Promise<T>): Promise<T>;
}
