import type { ClientSession, Collection, Db, Document } from "mongodb";
import type { DocumentLayout } from "./layout.js";

/** What the model executor needs from the adapter. */
export interface ModelTarget {
  /** Known once connected (the layout depends on the server's capabilities). */
  readonly layout: DocumentLayout;
  /** The session of the `db.transaction()` the caller runs in, if any. */
  session(): ClientSession | undefined;
  database(): Promise<Db>;
  /** `maxTimeMS` of every read; 0 = none. */
  readonly statementTimeoutMs: number;
  /** Called with +1 when a stream opens a server cursor and -1 once it has closed it. */
  countCursor(delta: 1 | -1): void;
  run<T>(operation: string, collection: string, signal: AbortSignal | undefined, fn: (c: Collection<Document>) => Promise<T>): Promise<T>;
}
