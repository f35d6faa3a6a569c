import type { BaseAdapter, RunContext } from "@dataflow/kernel/plugin";
import type { TransactionBackend } from "./backend.js";
import { RunTransaction } from "./run-transaction.js";

const STATE = Symbol("@dataflow/transactions:run-state");

/** How a run ends for its transactions, decided once for every database the run holds. */
export type Verdict = { readonly commit: true } | { readonly commit: false; readonly error: Error | undefined };

/** Per-run state of this plugin: one RunTransaction per database, and the model operations in flight. */
export class RunState {
  readonly transactions = new Map<BaseAdapter, RunTransaction>();
  verdict: Verdict | undefined;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  private constructor(private readonly run: RunContext) {}

  static of(run: RunContext): RunState {
    let state = run.state.get(STATE) as RunState | undefined;
    if (!state) run.state.set(STATE, (state = new RunState(run)));
    return state;
  }

  static peek(run: RunContext): RunState | undefined {
    return run.state.get(STATE) as RunState | undefined;
  }

  transactionOf(backend: TransactionBackend): RunTransaction {
    let tx = this.transactions.get(backend.adapter);
    if (!tx) this.transactions.set(backend.adapter, (tx = new RunTransaction(backend, this.run)));
    return tx;
  }

  /** The first open transaction of another database than `adapter`, if any. */
  openElsewhere(adapter: BaseAdapter): RunTransaction | undefined {
    for (const [a, tx] of this.transactions) if (a !== adapter && tx.isOpen) return tx;
    return undefined;
  }

  /** Counts a model operation of this run while it runs. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    work.then(this.settled, this.settled);
    return work;
  }

  private readonly settled = (): void => {
    if (--this.inFlight === 0 && this.idleWaiters.length > 0) for (const wake of this.idleWaiters.splice(0)) wake();
  };

  /** Resolves once no model operation of this run is running (those that started before a scope opened). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
