// The TDD harness of @dataflow/testing on each SQL database: one DataFlow per block, every test
// inside a transaction that is rolled back afterwards, writes made by nodes included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataFlow, UniqueViolationError, ValidationError, WorkflowBuilder } from "@dataflow/kernel";
import { useIsolatedDataFlow } from "@dataflow/testing";
import { transactionNodeTypes, transactions } from "../src/index.js";
import type { RawConnection } from "./support/providers.js";
import { provideAll } from "./support/providers.js";
import { committedAccounts, declareModels, runFailure } from "./support/workflows.js";

const providers = await provideAll();
afterAll(() => Promise.all(providers.map((p) => p.dispose())));

for (const p of providers) {
  describe.skipIf(p.skipReason !== "")(`useIsolatedDataFlow on ${p.name}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`, () => {
    const t = useIsolatedDataFlow({
      create: () => new DataFlow({ url: p.url, plugins: [transactions()], namespace: `${p.name}_tdd` }),
      setup: (db) => declareModels(db),
    });
    let raw: RawConnection;
    beforeAll(async () => {
      raw = await p.raw();
    });
    // Runs after every test's rollback: nothing any test wrote was ever committed.
    afterAll(async () => {
      expect(await committedAccounts(raw)).toEqual([]);
      await raw.close();
    });

    async function run(steps: Array<[string, string, Record<string, unknown>?]>) {
      const wf = new WorkflowBuilder({ dataflow: t.db });
      steps.forEach(([type, id, params], i) => {
        wf.addNode(type, id, params ?? {});
        if (i > 0) wf.addDependency(steps[i - 1]![1], id);
      });
      return (await t.runtime.execute(wf.build())).results;
    }

    it("a test writes through single-row, bulk and scope nodes; nothing is committed", async () => {
      const A = t.models.Account.nodes;
      const T = transactionNodeTypes(t.db);
      const results = await run([
        [A.Create, "one", { data: { name: "alice", balance: 1 } }],
        [A.BulkCreate, "many", { data: Array.from({ length: 20 }, (_, i) => ({ name: `n${i}`, balance: i })) }],
        [
          A.BulkUpsert,
          "upsert",
          {
            data: [
              { name: "n1", balance: 100 },
              { name: "zed", balance: 1 },
            ],
            conflictOn: ["name"],
          },
        ],
        [A.Update, "update", { filter: { name: "alice" }, fields: { balance: 2 } }],
        [T.Scope, "scope"],
        [A.Create, "scoped", { data: { name: "bob", balance: 1 } }],
        [T.Rollback, "undo"],
        [A.Count, "count"],
      ]);
      expect(results.many.result.inserted).toBe(20);
      expect(results.upsert.result).toEqual({ inserted: 1, updated: 1 });
      expect(results.count.result).toBe(22);
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("the next test starts from an empty table", async () => {
      expect((await run([[t.models.Account.nodes.Count, "n"]])).n.result).toBe(0);
      await run([[t.models.Account.nodes.Create, "one", { data: { name: "only mine", balance: 1 } }]]);
      expect((await run([[t.models.Account.nodes.List, "l"]])).l.result.map((r: { name: string }) => r.name)).toEqual(["only mine"]);
    });

    it("a run that fails inside a test leaves none of its writes, and the test goes on", async () => {
      const A = t.models.Account.nodes;
      await run([[A.Create, "a", { data: { name: "alice", balance: 1 } }]]);
      const error = await runFailure(
        run([
          [A.Create, "b", { data: { name: "bob", balance: 1 } }],
          [A.Create, "dup", { data: { name: "alice", balance: 1 } }],
        ]),
      );
      expect(error.cause).toBeInstanceOf(UniqueViolationError);
      expect((await run([[A.List, "l", { orderBy: "name" }]])).l.result.map((r: { name: string }) => r.name)).toEqual(["alice"]);
    });

    it("db.transaction() inside a test is a savepoint of the test's transaction", async () => {
      const A = t.models.Account.nodes;
      await t.db.transaction(async (tx) => {
        await tx.execute(new WorkflowBuilder({ dataflow: t.db }).addNode(A.Create, "c", { data: { name: "carol", balance: 1 } }).build());
      });
      expect((await run([[A.Count, "n"]])).n.result).toBe(1);
      expect(await committedAccounts(raw)).toEqual([]);
      // A savepoint cannot change the test transaction's isolation level: an error, not a silent no-op.
      const refused = await t.db.transaction(async () => "ran", { isolationLevel: "serializable" }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).field).toBe("isolationLevel");
    });
  });
}
