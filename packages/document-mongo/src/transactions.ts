import { AsyncLocalStorage } from "node:async_hooks";
import type { NodeContext, RunContext, RunTransactionHandle, RunTransactionSupport, TransactionOptions } from "@dataflow/kernel/plugin";
import { TransactionError } from "@dataflow/kernel/plugin";
import type { ClientSession, MongoClient } from "mongodb";
import { mapMongoError } from "./errors.js";

/** One multi-document transaction on a driver session. */
export interface OpenTransaction extends RunTransactionHandle {
  readonly session: ClientSession;
  /** Set when a section that joined it failed: MongoDB has no savepoints, so the whole transaction rolls back. */
  failed?: unknown;
}

/** What the transactions need from the adapter: a connected client, and whether the deployment has transactions. */
export interface SessionSource {
  client(): Promise<MongoClient>;
  /** Undefined when the connected deployment has multi-document transactions, else why not. */
  unavailable(): string | undefined;
}

/**
 * Which session an operation runs in, decided here and nowhere else: the transaction bound to the
 * node's run (`@dataflow/transactions`), else the ambient one (`db.transaction()`), else none.
 */
export class SessionTransactions implements RunTransactionSupport {
  readonly #ambient = new AsyncLocalStorage<OpenTransaction>();
  readonly #byRun = new WeakMap<RunContext, OpenTransaction>();

  constructor(private readonly source: SessionSource) {}

  /**
   * The session an operation of node `ctx` joins (undefined: none). Fails closed: a run that asked
   * for `transaction: true` without a transaction open, or a transaction a failed section doomed.
   */
  sessionFor(ctx: NodeContext | undefined): ClientSession | undefined {
    const open = (ctx && this.#byRun.get(ctx.run)) ?? this.#ambient.getStore();
    if (open === undefined) {
      if (ctx?.run.options.transaction === true) {
        throw new TransactionError("This run asked for transaction: true, but no transaction is open on this MongoDB database", {
          fix: "Add the @dataflow/transactions plugin to the DataFlow whose nodes the run uses (plugins: [transactions()])",
        });
      }
      return undefined;
    }
    if (open.failed !== undefined) {
      throw new TransactionError("A section of this MongoDB transaction failed and the transaction was rolled back (MongoDB has no savepoints)", {
        cause: open.failed,
        fix: "Let the transaction end; start a new one",
      });
    }
    return open.session;
  }

  ambient(): OpenTransaction | undefined {
    return this.#ambient.getStore();
  }

  async begin(options: TransactionOptions): Promise<OpenTransaction> {
    const client = await this.source.client();
    const missing = this.source.unavailable();
    if (missing !== undefined) {
      throw new TransactionError(`MongoDB transactions are not available here: ${missing}`, {
        fix: "Use a replica set (a single-node one works: mongod --replSet rs0, then rs.initiate())",
      });
    }
    const session = client.startSession();
    try {
      session.startTransaction({
        readConcern: { level: options.isolationLevel === "read committed" ? "majority" : "snapshot" },
        writeConcern: { w: "majority" },
        ...(options.readOnly ? { readPreference: "primary" } : {}),
      });
    } catch (error) {
      await session.endSession().catch(() => undefined);
      throw mapMongoError(error, { operation: "startTransaction" });
    }
    return { session, options };
  }

  async commit(tx: RunTransactionHandle): Promise<void> {
    const { session } = tx as OpenTransaction;
    try {
      await session.commitTransaction();
    } catch (error) {
      await session.abortTransaction().catch(() => undefined);
      throw mapMongoError(error, { operation: "commitTransaction" });
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  async rollback(tx: RunTransactionHandle): Promise<void> {
    const { session } = tx as OpenTransaction;
    try {
      if (session.inTransaction()) await session.abortTransaction();
    } catch {
      // An abort that fails leaves nothing to keep: the server drops the transaction when the session ends or times out.
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  bind(run: RunContext, tx: RunTransactionHandle | undefined): void {
    if (tx === undefined) this.#byRun.delete(run);
    else this.#byRun.set(run, tx as OpenTransaction);
  }

  inTransaction(ctx: NodeContext): boolean {
    return (this.#byRun.get(ctx.run) ?? this.#ambient.getStore()) !== undefined;
  }

  abandon(tx: RunTransactionHandle, cause: unknown): void {
    (tx as OpenTransaction).failed ??= cause;
  }

  /**
   * `db.transaction(fn)`: one transaction, committed when `fn` resolves. A nested call joins it:
   * MongoDB has no savepoints, so a failing nested section rolls the whole transaction back and
   * every later operation in it fails with a TransactionError.
   */
  async run<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T> {
    const open = this.#ambient.getStore();
    if (open) {
      try {
        return await fn();
      } catch (error) {
        this.abandon(open, error);
        throw error;
      }
    }
    const tx = await this.begin(options);
    let result: T;
    try {
      result = await this.#ambient.run(tx, fn);
    } catch (error) {
      await this.rollback(tx);
      throw error;
    }
    if (tx.failed !== undefined) {
      await this.rollback(tx);
      throw new TransactionError("A section of the MongoDB transaction failed; the transaction was rolled back", { cause: tx.failed });
    }
    await this.commit(tx);
    return result;
  }
}
