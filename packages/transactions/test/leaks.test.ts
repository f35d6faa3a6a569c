import { afterAll, describe, expect, it } from "vitest";
import type { ExecuteOptions, Workflow } from "@dataflow/kernel";
import { AbortError, DataFlow, LocalRuntime, TransactionError, UniqueViolationError, WorkflowExecutionError, defineNode } from "@dataflow/kernel";
import { transactionNodeTypes, transactions } from "../src/index.js";
import type { Provider } from "./support/providers.js";
import { isPostgres, provideAll } from "./support/providers.js";
import { chain, committedAccounts, declareModels } from "./support/workflows.js";

const RUNS = 1_000;

const providers = await provideAll();
afterAll(() => Promise.all(providers.map((p) => p.dispose())));

interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Transactions the server still has open on the test database, seen from a superuser connection. */
async function openServerTransactions(p: Provider): Promise<number> {
  const database = new URL(p.url).pathname.slice(1);
  const admin = await p.raw({ admin: true });
  try {
    if (isPostgres(p)) {
      const rows = await admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        [database],
      );
      return rows[0]!.n;
    }
    const rows = await admin.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM information_schema.innodb_trx t JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id WHERE p.db = ?",
      [database],
    );
    return Number(rows[0]!.n);
  } finally {
    await admin.close();
  }
}

for (const p of providers) {
  describe.skipIf(p.skipReason !== "")(`no leaks on ${p.name}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`, () => {
    it(`after ${RUNS} runs that fail inside a transaction, every connection is idle and no transaction is open`, async () => {
      const db = new DataFlow({ url: p.url, plugins: [transactions()], namespace: `${p.name}_leaks`, pool: { max: 4 } });
      const raw = await p.raw();
      try {
        const { Account } = declareModels(db);
        const T = transactionNodeTypes(db);
        await db.initialize();
        await raw.run("DELETE FROM accounts");
        let controller = new AbortController();
        const abortHere = defineNode({
          type: "Test_AbortHere",
          params: {},
          run: () => {
            controller.abort();
            return { result: true };
          },
        });
        const create = (name: string) => [Account.nodes.Create, name, { data: { name, balance: 1 } }] as const;
        // Four ways to fail inside a transaction, in turn.
        const failing: Array<{ wf: Workflow; options: () => ExecuteOptions; cause: new (...args: never[]) => Error }> = [
          {
            wf: chain(db, [[T.Scope, "s"], create("a"), create("b"), [Account.nodes.Create, "dup", { data: { name: "a", balance: 1 } }], [T.Commit, "c"]]),
            options: () => ({}),
            cause: UniqueViolationError,
          },
          {
            wf: chain(db, [[T.Scope, "s"], create("a"), [abortHere, "abort"], create("b"), [T.Commit, "c"]]),
            options: () => ({ signal: controller.signal }),
            cause: AbortError,
          },
          { wf: chain(db, [[T.Scope, "s"], create("a"), [T.Savepoint, "sp", { name: "mark" }], create("b")]), options: () => ({}), cause: TransactionError },
          {
            wf: chain(db, [
              create("a"),
              [
                Account.nodes.BulkCreate,
                "bulk",
                {
                  data: [
                    { name: "b", balance: 1 },
                    { name: "a", balance: 1 },
                  ],
                },
              ],
            ]),
            options: () => ({ transaction: true }),
            cause: UniqueViolationError,
          },
        ];
        const runtime = new LocalRuntime({ dataflow: db });
        const causes = new Map<string, number>();
        for (let i = 0; i < RUNS; i++) {
          controller = new AbortController();
          const { wf, options, cause } = failing[i % failing.length]!;
          const error = await runtime.execute(wf, options()).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(WorkflowExecutionError);
          expect((error as WorkflowExecutionError).cause).toBeInstanceOf(cause);
          causes.set(cause.name, (causes.get(cause.name) ?? 0) + 1);
        }
        expect([...causes.values()].reduce((a, b) => a + b)).toBe(RUNS);
        expect(await committedAccounts(raw)).toEqual([]);

        if (p.name === "sqlite") {
          expect((db.adapter as unknown as { handle: { inTransaction: boolean } }).handle.inTransaction).toBe(false);
        } else {
          const stats = (db.adapter as unknown as { poolStats(): PoolStats }).poolStats();
          expect(stats.waiting).toBe(0);
          expect(stats.idle).toBe(stats.total);
          expect(stats.total).toBeLessThanOrEqual(4);
          expect(await openServerTransactions(p)).toBe(0);
        }
        // And the pool still works: a run that commits.
        await runtime.execute(chain(db, [[T.Scope, "s"], create("ok"), [T.Commit, "c"]]));
        expect(await committedAccounts(raw)).toEqual(["ok=1"]);
      } finally {
        await raw.close();
        await db.close();
      }
    });
  });
}
