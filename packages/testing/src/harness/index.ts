import type { DataFlow, ExecuteResult } from "@dataflow/kernel";
import type { ExecuteOptions, Workflow } from "@dataflow/kernel/plugin";
import { LocalRuntime } from "@dataflow/kernel";
import { DataFlowError } from "@dataflow/kernel/plugin";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";

/** The part of a SQL adapter (`DatabaseAdapter` from @dataflow/sql-core) the harness needs. */
interface PinnableAdapter {
  begin(): Promise<unknown>;
  rollback(tx: unknown): Promise<void>;
  pin(tx: unknown): void;
  unpin(): void;
  /** Inside the pinned transaction: a savepoint around `fn`. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

function pinnable(adapter: unknown): PinnableAdapter {
  const a = adapter as Partial<PinnableAdapter>;
  if (
    typeof a?.begin !== "function" ||
    typeof a.pin !== "function" ||
    typeof a.unpin !== "function" ||
    typeof a.rollback !== "function" ||
    typeof a.transaction !== "function"
  ) {
    throw new DataFlowError("useIsolatedDataFlow needs an adapter with transactions (a @dataflow/sql-core DatabaseAdapter)");
  }
  return a as PinnableAdapter;
}

/**
 * The harness's runtime: every run is a savepoint of the test's transaction, so a run that fails
 * leaves none of its writes and the test can go on (PostgreSQL would otherwise refuse every further
 * statement of the aborted transaction); its nodes run one at a time, as they share one connection.
 */
class IsolatedRuntime extends LocalRuntime {
  constructor(
    db: DataFlow,
    private readonly adapter: PinnableAdapter,
  ) {
    super({ dataflow: db, maxConcurrency: 1, logger: db.logger });
  }

  override execute<R extends object = Record<string, any>>(workflow: Workflow<R>, options?: ExecuteOptions): Promise<ExecuteResult<R>> {
    return this.adapter.transaction(() => super.execute<R>(workflow, options));
  }
}

export interface IsolatedDataFlow<T> {
  /** The DataFlow instance (shared by the file's tests; each test sees only its own writes). */
  readonly db: DataFlow;
  /** What `setup` returned (usually the model handles). */
  readonly models: T;
  /**
   * A runtime bound to `db` that runs each workflow in a savepoint of the test's transaction, one
   * node at a time. (Runtimes of your own join the test's transaction too; give the DataFlow the
   * @dataflow/transactions plugin so that they also run one node at a time.)
   */
  readonly runtime: LocalRuntime;
}

/**
 * Vitest helper for TDD: one DataFlow per test file, schema created once (before any test
 * transaction: MySQL would commit a transaction that runs DDL), and every test inside a
 * transaction that is rolled back afterwards. Every query the adapter runs during the test, nodes
 * included, joins that transaction (bulk nodes and `db.transaction()` use savepoints inside it), so
 * no test sees another's rows and nothing needs cleaning up. Works on SQLite, PostgreSQL and MySQL.
 */
export function useIsolatedDataFlow<T>(options: { create: () => DataFlow | Promise<DataFlow>; setup: (db: DataFlow) => T | Promise<T> }): IsolatedDataFlow<T> {
  let db: DataFlow | undefined;
  let models: T | undefined;
  let runtime: LocalRuntime | undefined;
  let tx: unknown;

  beforeAll(async () => {
    db = await options.create();
    models = await options.setup(db);
    await db.initialize();
    runtime = new IsolatedRuntime(db, pinnable(db.adapter));
  });
  beforeEach(async () => {
    const adapter = pinnable(db!.adapter);
    tx = await adapter.begin();
    adapter.pin(tx);
  });
  afterEach(async () => {
    const adapter = pinnable(db!.adapter);
    adapter.unpin();
    await adapter.rollback(tx);
    tx = undefined;
  });
  afterAll(async () => {
    await db?.close();
  });

  const ready = <V>(value: V | undefined, what: string): V => {
    if (value === undefined) throw new DataFlowError(`useIsolatedDataFlow: ${what} is only available inside tests and hooks`);
    return value;
  };
  return {
    get db() {
      return ready(db, "db");
    },
    get models() {
      return ready(models, "models");
    },
    get runtime() {
      return ready(runtime, "runtime");
    },
  };
}
