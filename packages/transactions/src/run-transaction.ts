import type { DataFlowError, RunContext, TransactionOptions } from "@dataflow/kernel/plugin";
import { ConnectionError, TransactionError, ValidationError } from "@dataflow/kernel/plugin";
import type { BackendTransaction, TransactionBackend } from "./backend.js";

/** Label of the level opened by `execute(wf, { transaction: true })`. */
export const RUN_LEVEL = "(run)";

/** One level of nesting: the run's own transaction (`transaction: true`) or a TransactionScope node. */
interface Level {
  readonly kind: "run" | "scope";
  /** The scope node's id, or RUN_LEVEL. */
  readonly label: string;
  /**
   * The savepoint that opened this level when it is nested in another transaction; undefined for a
   * BEGIN, or for a run level that joined a transaction without savepoints (then its failure dooms that transaction).
   */
  readonly savepoint: string | undefined;
  /** Savepoints made by TransactionSavepoint nodes at this level, oldest first. */
  readonly named: string[];
}

export interface OpenedLevel {
  readonly depth: number;
  /** True when the level is a savepoint of an enclosing transaction rather than a new one. */
  readonly savepoint: boolean;
  readonly options: TransactionOptions;
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * What one run holds on one database: a transaction it began (or a savepoint of the transaction
 * the run joined: `db.transaction()` or the TDD harness), and the levels nested in it. While a level
 * is open the transaction is bound to the run, so every generated node of that adapter joins it;
 * and the run is exclusive (one node at a time). Without savepoints (MongoDB) a nested level is refused.
 */
export class RunTransaction {
  private owned: BackendTransaction | undefined;
  private handle: BackendTransaction | undefined;
  private readonly levels: Level[] = [];
  private holds = 0;

  constructor(
    readonly backend: TransactionBackend,
    private readonly run: RunContext,
  ) {}

  get isOpen(): boolean {
    return this.levels.length > 0;
  }

  /** Ids of the TransactionScope nodes still open, outermost first. */
  get openScopes(): string[] {
    return this.levels.filter((l) => l.kind === "scope").map((l) => l.label);
  }

  get hasRunLevel(): boolean {
    return this.levels[0]?.kind === "run";
  }

  /** Makes the run exclusive. Call synchronously when a node starts, so no other node starts next to it. */
  hold(): void {
    this.holds++;
    this.run.enterExclusive();
  }

  letGo(): void {
    if (this.holds === 0) return;
    this.holds--;
    this.run.leaveExclusive();
  }

  /** Opens a level: BEGIN when nothing is open (or a savepoint of the joined transaction), else a savepoint. Takes over one `hold()`. */
  async open(kind: Level["kind"], label: string, options: TransactionOptions): Promise<OpenedLevel> {
    let savepoint: string | undefined;
    let effective: TransactionOptions;
    const b = this.backend;
    if (this.handle) {
      if (!b.savepoints) throw noSavepoints(b, `TransactionScope '${label}' cannot open inside another scope or the run's own transaction (transaction: true)`);
      effective = nestedOptions(options, this.handle.options);
      savepoint = await b.makeSavepoint(this.handle);
    } else {
      const joined = b.joined();
      if (joined) {
        effective = nestedOptions(options, joined.options);
        if (b.savepoints) savepoint = await b.makeSavepoint(joined);
        else if (kind === "scope") throw noSavepoints(b, `TransactionScope '${label}' cannot open inside db.transaction()`);
        this.handle = joined;
      } else {
        this.owned = await b.begin(options);
        this.handle = this.owned;
        effective = options;
      }
      b.bind(this.run, this.handle);
    }
    this.levels.push({ kind, label, savepoint, named: [] });
    return { depth: this.levels.length, savepoint: savepoint !== undefined, options: effective };
  }

  /** TransactionCommit: releases the innermost scope's savepoint, or commits the transaction it began. */
  async commitScope(expected: string | undefined): Promise<string> {
    const level = this.innermostScope(expected, "commit");
    if (level.savepoint) {
      await this.backend.releaseSavepoint(this.handle!, level.savepoint);
      this.pop();
      return level.label;
    }
    const owned = this.detach();
    await commitOrExplain(this.backend, owned!);
    return level.label;
  }

  /** TransactionRollback: rolls back the innermost scope (to its savepoint, or the whole transaction it began). */
  async rollbackScope(expected: string | undefined): Promise<string> {
    const level = this.innermostScope(expected, "roll back");
    if (level.savepoint) {
      await this.undoSavepoint(this.handle!, level.savepoint);
      this.pop();
      return level.label;
    }
    await this.backend.rollback(this.detach()!);
    return level.label;
  }

  /** TransactionSavepoint: a named savepoint at the innermost level. `name` is a validated identifier. */
  async savepoint(name: string): Promise<void> {
    const level = this.levels.at(-1);
    if (!level) {
      throw new TransactionError("TransactionSavepoint needs an open transaction", {
        fix: "Put a TransactionScope node before it (or run the workflow with transaction: true)",
      });
    }
    if (!this.backend.savepoints) throw noSavepoints(this.backend, `TransactionSavepoint '${name}' cannot be made`);
    if (this.levels.some((l) => l.named.some((n) => sameName(n, name)))) {
      throw new ValidationError(`A savepoint named '${name}' is already open in this run`, { field: "name", fix: "Give each savepoint its own name" });
    }
    await this.backend.savepoint(this.handle!, name);
    level.named.push(name);
  }

  /** TransactionRollbackToSavepoint: undoes what the innermost level did after the named savepoint; the savepoint stays. */
  async rollbackToSavepoint(name: string): Promise<void> {
    if (!this.backend.savepoints) throw noSavepoints(this.backend, `there is no savepoint '${name}' to roll back to`);
    const level = this.levels.at(-1);
    const index = level ? level.named.findIndex((n) => sameName(n, name)) : -1;
    if (!level || index === -1) {
      const outer = this.levels.slice(0, -1).some((l) => l.named.some((n) => sameName(n, name)));
      throw new TransactionError(outer ? `Savepoint '${name}' belongs to an enclosing scope` : `No savepoint named '${name}' is open`, {
        fix: outer ? "Roll back the inner scope first (TransactionRollback)" : "Create it with a TransactionSavepoint node earlier in the scope",
      });
    }
    await this.backend.rollbackToSavepoint(this.handle!, level.named[index]!);
    level.named.splice(index + 1);
  }

  /** End of a successful run with only the run level open: commit it (or release its savepoint; a bare join has nothing to end). */
  async commitRun(): Promise<void> {
    const level = this.levels[0];
    if (!level) return;
    if (level.savepoint) {
      await this.backend.releaseSavepoint(this.handle!, level.savepoint);
      this.detach();
      return;
    }
    const owned = this.detach();
    if (owned) await commitOrExplain(this.backend, owned);
  }

  /**
   * Undoes everything the run still has open: ROLLBACK of a transaction it began (a connection that
   * cannot roll back is destroyed), or back to the savepoint where it joined an outer transaction;
   * without savepoints, the joined transaction is doomed (it rolls back as a whole).
   */
  async rollbackAll(cause: unknown): Promise<void> {
    const outermost = this.levels[0];
    if (!outermost) return;
    const handle = this.handle!;
    const owned = this.detach();
    if (owned) {
      await this.backend.rollback(owned);
      return;
    }
    if (outermost.savepoint === undefined) {
      this.backend.abandon(handle, cause);
      return;
    }
    try {
      await this.undoSavepoint(handle, outermost.savepoint!);
    } catch (error) {
      throw new TransactionError("Rolling the run's writes back to its savepoint failed; the enclosing transaction is unusable", {
        cause: error,
        fix: "Roll the enclosing transaction back",
      });
    }
  }

  /** Releases every exclusive hold (end of the run). */
  letGoAll(): void {
    while (this.holds > 0) this.letGo();
  }

  private innermostScope(expected: string | undefined, verb: string): Level {
    const level = this.levels.at(-1);
    if (!level || level.kind === "run") {
      throw new TransactionError(`There is no open TransactionScope to ${verb}`, {
        fix: level
          ? "The run's own transaction (transaction: true) ends with the run"
          : "Put a TransactionScope node before it, and order the nodes with connections or addDependency",
      });
    }
    if (expected !== undefined && expected !== level.label) {
      throw new TransactionError(`The innermost open scope is '${level.label}', not '${expected}'`, { field: "scope" });
    }
    return level;
  }

  private async undoSavepoint(handle: BackendTransaction, name: string): Promise<void> {
    await this.backend.rollbackToSavepoint(handle, name);
    await this.backend.releaseSavepoint(handle, name);
  }

  private pop(): void {
    this.levels.pop();
    this.letGo();
  }

  /** Forgets every level (their holds too) and the connection; returns the transaction the run began, if any. */
  private detach(): BackendTransaction | undefined {
    const owned = this.owned;
    while (this.levels.length > 0) this.pop();
    this.owned = undefined;
    this.handle = undefined;
    this.backend.bind(this.run, undefined);
    return owned;
  }
}

/** Something that needs a savepoint, on a database whose transactions have none. */
function noSavepoints(backend: TransactionBackend, detail: string): TransactionError {
  return new TransactionError(`${backend.adapter.databaseType} transactions have no savepoints: ${detail}`, {
    fix: "Use one transaction level per run on this database: a single TransactionScope, or transaction: true, or db.transaction()",
  });
}

/** A nested level is a savepoint: it runs with the enclosing transaction's settings and cannot ask for others. */
function nestedOptions(requested: TransactionOptions, outer: TransactionOptions): TransactionOptions {
  if (requested.isolationLevel !== undefined && requested.isolationLevel !== outer.isolationLevel) {
    throw new ValidationError("A nested TransactionScope is a savepoint of the enclosing transaction and cannot change isolationLevel", {
      field: "isolationLevel",
      fix: "Set the isolation level on the outermost scope (or db.transaction()) only",
    });
  }
  if (requested.readOnly !== undefined && requested.readOnly !== (outer.readOnly ?? false)) {
    throw new ValidationError("A nested TransactionScope is a savepoint of the enclosing transaction and cannot change readOnly", {
      field: "readOnly",
    });
  }
  return outer;
}

/** COMMIT; a failure becomes a TransactionError that says the commit failed (and when its outcome is unknown). */
async function commitOrExplain(backend: TransactionBackend, owned: BackendTransaction): Promise<void> {
  try {
    await backend.commit(owned);
  } catch (error) {
    throw commitFailure(error as DataFlowError);
  }
}

export function commitFailure(error: DataFlowError): DataFlowError {
  if (error instanceof TransactionError) return error;
  if (error instanceof ConnectionError) {
    return new TransactionError("The connection failed during COMMIT; whether the transaction was committed is unknown", {
      cause: error,
      fix: "Check the data before retrying non-idempotent writes",
    });
  }
  return new TransactionError(`COMMIT failed: ${error.message}`, { cause: error, retryable: error.retryable });
}
