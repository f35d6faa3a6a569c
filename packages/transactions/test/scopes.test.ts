import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DataFlow } from "@dataflow/kernel";
import {
  AbortError,
  DataFlow as DataFlowClass,
  InvalidIdentifierError,
  LocalRuntime,
  TransactionError,
  UniqueViolationError,
  ValidationError,
  WorkflowBuilder,
  defineNode,
} from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { transactionNodeTypes, transactions } from "../src/index.js";
import type { Provider, RawConnection } from "./support/providers.js";
import { isPostgres, provideAll } from "./support/providers.js";
import type { Step } from "./support/workflows.js";
import { chain, committedAccounts, declareModels, gate, runChain, runFailure, sqlNode } from "./support/workflows.js";

const providers = await provideAll();
afterAll(() => Promise.all(providers.map((p) => p.dispose())));

for (const p of providers) {
  describe.skipIf(p.skipReason !== "")(`transactions on ${p.name}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`, () => {
    let db: DataFlow;
    let raw: RawConnection;
    let T: ReturnType<typeof transactionNodeTypes>;
    let A: ReturnType<typeof declareModels>["Account"]["nodes"];

    beforeAll(async () => {
      db = new DataFlowClass({ url: p.url, plugins: [transactions()], namespace: p.name });
      const models = declareModels(db);
      A = models.Account.nodes;
      T = transactionNodeTypes(db);
      db.registerNode(sqlNode(db));
      await db.initialize();
      raw = await p.raw();
    });
    afterAll(async () => {
      await raw?.close();
      await db?.close();
    });
    beforeEach(async () => {
      await raw.run("DELETE FROM accounts");
    });

    const create = (id: string, name: string, balance = 1): Step => [A.Create, id, { data: { name, balance } }];

    it("registers the five nodes under the DataFlow's namespace, with the reference names as aliases", () => {
      for (const kind of ["Scope", "Commit", "Rollback", "Savepoint", "RollbackToSavepoint"] as const) {
        expect(T[kind]).toBe(`${p.name}.Transaction${kind}`);
        expect(db.registry.get(T[kind])).toBeDefined();
        expect(db.registry.get(`${T[kind]}Node`)).toBe(db.registry.get(T[kind]));
      }
    });

    it("a committed scope persists its writes", async () => {
      const results = await runChain(db, [[T.Scope, "scope"], create("a", "alice", 10), create("b", "bob", 20), [T.Commit, "commit"]]);
      expect(results.scope.result).toEqual({ scope: "scope", depth: 1, savepoint: false, isolationLevel: null, readOnly: false });
      expect(results.commit.result).toEqual({ scope: "scope", committed: true });
      expect(await committedAccounts(raw)).toEqual(["alice=10", "bob=20"]);
    });

    it("a rolled-back scope leaves nothing behind", async () => {
      const results = await runChain(db, [[T.Scope, "scope"], create("a", "alice"), [T.Rollback, "undo", { reason: "changed my mind" }]]);
      expect(results.a.result.name).toBe("alice");
      expect(results.undo.result).toEqual({ scope: "scope", rolledBack: true, reason: "changed my mind" });
      expect(await committedAccounts(raw)).toEqual([]);
    });

    describe("every generated node kind writes on the scope's connection", () => {
      const seed = ["alice=100", "bob=50", "carol=10", "dave=5"];
      const changed = ["alice=102", "bob=51", "eve=1", "frank=6", "g1=7", "g2=8", "h=9"];
      let ids: Record<string, number>;

      beforeEach(async () => {
        const { seed: out } = await runChain(db, [
          [A.BulkCreate, "seed", { data: seed.map((s) => ({ name: s.split("=")[0], balance: Number(s.split("=")[1]) })) }],
        ]);
        expect(out.result.inserted).toBe(4);
        const { all } = await runChain(db, [[A.List, "all"]]);
        ids = Object.fromEntries(all.result.map((r: { name: string; id: number }) => [r.name, r.id]));
      });

      const everyKind = (end: Step): Step[] => [
        [T.Scope, "scope"],
        [A.Create, "create", { data: { name: "eve", balance: 1 } }],
        [A.Read, "read", { id: ids.alice }],
        [A.Update, "updateById", { id: ids.alice, fields: { balance: 101 } }],
        [A.Update, "updateByFilter", { filter: { name: "bob" }, fields: { balance: 51 } }],
        [A.Delete, "deleteById", { id: ids.carol }],
        [A.Delete, "deleteByFilter", { filter: { name: "dave" } }],
        [A.Upsert, "upsertExisting", { where: { name: "alice" }, create: { balance: 0 }, update: { balance: 102 } }],
        [A.Upsert, "upsertNew", { where: { name: "frank" }, create: { balance: 6 }, update: { balance: 0 } }],
        [
          A.BulkCreate,
          "bulkCreate",
          {
            data: [
              { name: "g1", balance: 1 },
              { name: "g2", balance: 2 },
              { name: "g3", balance: 3 },
            ],
          },
        ],
        [A.BulkUpdate, "bulkUpdate", { filter: { name: { $in: ["g1", "g2"] } }, fields: { balance: 7 } }],
        [A.BulkDelete, "bulkDelete", { filter: { name: "g3" } }],
        [
          A.BulkUpsert,
          "bulkUpsert",
          {
            data: [
              { name: "g2", balance: 8 },
              { name: "h", balance: 9 },
            ],
            conflictOn: ["name"],
          },
        ],
        [A.Count, "count"],
        [A.List, "inside", { orderBy: "name" }],
        end,
      ];

      const seen = (rows: Array<{ name: string; balance: number }>) => rows.map((r) => `${r.name}=${r.balance}`);

      it("inside a rolled-back scope, none of their writes survive", async () => {
        const results = await runChain(db, everyKind([T.Rollback, "end"]));
        expect(results.read.result.balance).toBe(100);
        expect(results.upsertExisting.created).toBe(false);
        expect(results.upsertNew.created).toBe(true);
        expect(results.bulkUpsert.result).toEqual({ inserted: 1, updated: 1 });
        expect(results.count.result).toBe(7);
        expect(seen(results.inside.result)).toEqual(changed);
        expect(await committedAccounts(raw)).toEqual(seed);
      });

      it("inside a committed scope, all of them persist", async () => {
        const results = await runChain(db, everyKind([T.Commit, "end"]));
        expect(seen(results.inside.result)).toEqual(changed);
        expect(await committedAccounts(raw)).toEqual(changed);
      });

      it("with transaction: true and a failing last node, none of them survive", async () => {
        const steps = everyKind(create("dup", "alice")).filter(([type]) => type !== T.Scope);
        const error = await runFailure(runChain(db, steps, { transaction: true }));
        expect(error.nodeId).toBe("dup");
        expect(error.cause).toBeInstanceOf(UniqueViolationError);
        expect(await committedAccounts(raw)).toEqual(seed);
      });
    });

    it("a node failing inside a scope rolls back the scope's earlier writes and fails the run", async () => {
      const error = await runFailure(
        runChain(db, [
          [T.Scope, "scope"],
          create("a", "alice"),
          [
            A.BulkCreate,
            "bulk",
            {
              data: [
                { name: "x", balance: 1 },
                { name: "y", balance: 2 },
              ],
            },
          ],
          create("dup", "alice"),
          [T.Commit, "commit"],
        ]),
      );
      expect(error.nodeId).toBe("dup");
      expect(error.cause).toBeInstanceOf(UniqueViolationError);
      expect(Object.keys(error.results).sort()).toEqual(["a", "bulk", "scope"]);
      expect(await committedAccounts(raw)).toEqual([]);
      await runChain(db, [[T.Scope, "scope"], create("b", "bob"), [T.Commit, "commit"]]);
      expect(await committedAccounts(raw)).toEqual(["bob=1"]);
    });

    it("an AbortSignal aborted mid-scope rolls the scope back", async () => {
      const g = gate();
      const controller = new AbortController();
      const running = runChain(db, [[T.Scope, "scope"], create("a", "alice"), [g.node, "gate"], create("b", "bob"), [T.Commit, "commit"]], {
        signal: controller.signal,
      });
      await g.reached;
      expect(await committedAccounts(raw)).toEqual([]);
      controller.abort();
      const error = await runFailure(running);
      expect(error.cause).toBeInstanceOf(AbortError);
      expect(error.results.b).toBeUndefined();
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("an abort during the last node of a transaction: true run rolls it back and fails the run", async () => {
      const g = gate();
      const controller = new AbortController();
      const running = runChain(db, [create("a", "alice"), [g.node, "gate"]], { transaction: true, signal: controller.signal });
      await g.reached;
      controller.abort();
      const error = await runFailure(running);
      expect(error.cause).toBeInstanceOf(AbortError);
      expect((error.cause as Error).message).toMatch(/rolled back/);
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("a savepoint and a rollback to it keep the writes made before it", async () => {
      const results = await runChain(db, [
        [T.Scope, "scope"],
        create("a", "alice"),
        [T.Savepoint, "sp", { name: "before_bulk" }],
        create("b", "bob"),
        [
          A.BulkCreate,
          "bulk",
          {
            data: [
              { name: "c", balance: 1 },
              { name: "d", balance: 1 },
            ],
          },
        ],
        [T.RollbackToSavepoint, "back", { name: "before_bulk" }],
        create("e", "eve"),
        [T.RollbackToSavepoint, "backAgain", { name: "before_bulk" }],
        create("f", "frank"),
        [T.Commit, "commit"],
      ]);
      expect(results.sp.result).toEqual({ savepoint: "before_bulk" });
      expect(results.back.result).toEqual({ savepoint: "before_bulk", rolledBack: true });
      expect(await committedAccounts(raw)).toEqual(["alice=1", "frank=1"]);
    });

    it("nested scopes are savepoints: an inner rollback keeps the outer writes", async () => {
      const results = await runChain(db, [
        [T.Scope, "outer"],
        create("a", "alice"),
        [T.Scope, "inner"],
        create("b", "bob"),
        [T.Rollback, "undoInner", { scope: "inner" }],
        [T.Scope, "inner2"],
        create("c", "carol"),
        [T.Commit, "commitInner2", { scope: "inner2" }],
        [T.Commit, "commitOuter", { scope: "outer" }],
      ]);
      expect(results.inner.result).toMatchObject({ scope: "inner", depth: 2, savepoint: true });
      expect(await committedAccounts(raw)).toEqual(["alice=1", "carol=1"]);
    });

    it("rolling back the outer scope undoes an inner scope that was committed", async () => {
      await runChain(db, [[T.Scope, "outer"], [T.Scope, "inner"], create("a", "alice"), [T.Commit, "c"], [T.Rollback, "r"]]);
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("a run that ends with a scope still open is rolled back and fails with a TransactionError saying so", async () => {
      const error = await runFailure(runChain(db, [create("before", "zed"), [T.Scope, "scope"], create("a", "alice")]));
      expect(error.cause).toBeInstanceOf(TransactionError);
      expect((error.cause as Error).message).toMatch(/TransactionScope 'scope' still open; it was rolled back/);
      expect(await committedAccounts(raw)).toEqual(["zed=1"]);
    });

    it("nodes inside a scope run one at a time, in dependency order", async () => {
      let running = 0;
      let most = 0;
      const order: string[] = [];
      const probe = defineNode<{ tag: string }>({
        type: "Test_Probe",
        params: { tag: { type: "string", required: true } },
        async run({ tag }) {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(tag);
          running--;
          return { result: tag };
        },
      });
      const build = (scoped: boolean) => {
        const wf = new WorkflowBuilder({ dataflow: db });
        if (scoped) wf.addNode(T.Scope, "scope");
        for (const tag of ["p1", "p2", "p3", "p4"]) {
          wf.addNode(probe, tag, { tag });
          if (scoped) wf.addDependency("scope", tag);
        }
        wf.addDependency("p1", "p2");
        if (scoped) {
          wf.addNode(T.Commit, "commit");
          for (const tag of ["p1", "p2", "p3", "p4"]) wf.addDependency(tag, "commit");
        }
        return wf.build();
      };
      const runtime = new LocalRuntime({ dataflow: db });
      await runtime.execute(build(false));
      expect(most).toBeGreaterThan(1);
      most = 0;
      order.length = 0;
      await runtime.execute(build(true));
      expect(most).toBe(1);
      expect(order.indexOf("p1")).toBeLessThan(order.indexOf("p2"));
    });

    it("transaction: true makes a run atomic, independent nodes included", async () => {
      const independent = (names: string[]) => {
        const wf = new WorkflowBuilder({ dataflow: db });
        names.forEach((name, i) => wf.addNode(A.Create, `n${i}`, { data: { name, balance: i } }));
        wf.addNode(A.BulkCreate, "bulk", { data: names.map((name) => ({ name: `${name}_bulk`, balance: 0 })) });
        return wf.build();
      };
      const runtime = new LocalRuntime({ dataflow: db });
      await runtime.execute(independent(["a", "b", "c", "d", "e"]), { transaction: true });
      expect(await committedAccounts(raw)).toHaveLength(10);
      const error = await runFailure(runtime.execute(independent(["f", "g", "a", "h"]), { transaction: true }));
      expect(error.cause).toBeInstanceOf(UniqueViolationError);
      expect(await committedAccounts(raw)).toHaveLength(10);
    });

    it("transaction: true fails closed on a DataFlow without the plugin, writing nothing", async () => {
      const plain = new DataFlowClass({ url: p.url, namespace: `${p.name}_plain` });
      try {
        const { Account } = declareModels(plain);
        await plain.initialize();
        const error = await runFailure(runChain(plain, [[Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }]], { transaction: true }));
        expect(error.cause).toBeInstanceOf(TransactionError);
        expect((error.cause as Error).message).toMatch(/transaction: true/);
        expect(await committedAccounts(raw)).toEqual([]);
      } finally {
        await plain.close();
      }
    });

    it("a write of another DataFlow on the same database inside a scope fails closed instead of escaping it", async () => {
      const other = new DataFlowClass({ url: p.url, plugins: [transactions()], namespace: `${p.name}_other` });
      try {
        const { Account } = declareModels(other);
        await other.initialize();
        const wf = new WorkflowBuilder()
          .addNode(T.Scope, "scope")
          .addNode(A.Create, "mine", { data: { name: "alice", balance: 1 } })
          .addNode(Account.nodes.Create, "theirs", { data: { name: "bob", balance: 1 } })
          .addNode(T.Commit, "commit")
          .addDependency("scope", "mine")
          .addDependency("mine", "theirs")
          .addDependency("theirs", "commit")
          .build();
        const error = await runFailure(new LocalRuntime().execute(wf));
        expect(error.nodeId).toBe("theirs");
        expect(error.cause).toBeInstanceOf(TransactionError);
        expect(await committedAccounts(raw)).toEqual([]);
      } finally {
        await other.close();
      }
    });

    describe("bad input is a typed error naming the field, and nothing is written", () => {
      it("an unknown isolation level", async () => {
        const error = await runFailure(runChain(db, [[T.Scope, "scope", { isolationLevel: "read uncommitted; DROP TABLE accounts" }], create("a", "alice")]));
        expect(error.cause).toBeInstanceOf(ValidationError);
        expect((error.cause as ValidationError).field).toBe("isolationLevel");
        expect(await committedAccounts(raw)).toEqual([]);
      });

      it("a savepoint name that is not an identifier", async () => {
        const error = await runFailure(runChain(db, [[T.Scope, "scope"], create("a", "alice"), [T.Savepoint, "sp", { name: 'x"; DROP TABLE accounts; --' }]]));
        expect(error.cause).toBeInstanceOf(InvalidIdentifierError);
        expect((error.cause as ValidationError).field).toBe("name");
        expect(await committedAccounts(raw)).toEqual([]);
      });

      it("a reserved or repeated savepoint name", async () => {
        const reserved = await runFailure(
          runChain(db, [
            [T.Scope, "scope"],
            [T.Savepoint, "sp", { name: "df_sp_1" }],
          ]),
        );
        expect((reserved.cause as ValidationError).field).toBe("name");
        const repeated = await runFailure(
          runChain(db, [[T.Scope, "scope"], create("a", "alice"), [T.Savepoint, "sp1", { name: "mark" }], [T.Savepoint, "sp2", { name: "MARK" }]]),
        );
        expect(repeated.nodeId).toBe("sp2");
        expect((repeated.cause as ValidationError).field).toBe("name");
        expect(await committedAccounts(raw)).toEqual([]);
      });

      it("a rollback to a savepoint that does not exist, or to one of an enclosing scope", async () => {
        const unknown = await runFailure(runChain(db, [[T.Scope, "scope"], create("a", "alice"), [T.RollbackToSavepoint, "back", { name: "nowhere" }]]));
        expect(unknown.cause).toBeInstanceOf(TransactionError);
        const outer = await runFailure(
          runChain(db, [
            [T.Scope, "s1"],
            [T.Savepoint, "sp", { name: "outer_mark" }],
            [T.Scope, "s2"],
            [T.RollbackToSavepoint, "back", { name: "outer_mark" }],
          ]),
        );
        expect((outer.cause as Error).message).toMatch(/enclosing scope/);
        expect(await committedAccounts(raw)).toEqual([]);
      });

      it("commit without an open scope, or of the wrong scope", async () => {
        const none = await runFailure(runChain(db, [create("a", "alice"), [T.Commit, "commit"]]));
        expect(none.cause).toBeInstanceOf(TransactionError);
        const wrong = await runFailure(runChain(db, [[T.Scope, "s1"], create("b", "bob"), [T.Commit, "commit", { scope: "s2" }]]));
        expect((wrong.cause as TransactionError).field).toBe("scope");
        const runLevel = await runFailure(runChain(db, [create("c", "carol"), [T.Commit, "commit"]], { transaction: true }));
        expect((runLevel.cause as Error).message).toMatch(/no open TransactionScope/);
        expect(await committedAccounts(raw)).toEqual(["alice=1"]);
      });

      it("a nested scope that asks for another isolation level", async () => {
        const error = await runFailure(runChain(db, [[T.Scope, "outer"], create("a", "alice"), [T.Scope, "inner", { isolationLevel: "serializable" }]]));
        expect((error.cause as ValidationError).field).toBe("isolationLevel");
        expect(await committedAccounts(raw)).toEqual([]);
      });
    });

    describe("a failing COMMIT fails the run", () => {
      it.skipIf(p.name === "mysql")("a deferred constraint violated at COMMIT (MariaDB/MySQL have no deferred constraints)", async () => {
        if (p.name === "sqlite") {
          await raw.run("CREATE TABLE IF NOT EXISTS parents (id INTEGER PRIMARY KEY)");
          await raw.run("CREATE TABLE IF NOT EXISTS kids (parent_id INTEGER REFERENCES parents(id))");
        } else {
          await raw.run("CREATE TABLE IF NOT EXISTS deferred_check (v int UNIQUE DEFERRABLE INITIALLY DEFERRED)");
        }
        const violate: Step[] =
          p.name === "sqlite"
            ? [
                ["Test_Sql", "defer", { sql: "PRAGMA defer_foreign_keys = ON" }],
                ["Test_Sql", "orphan", { sql: "INSERT INTO kids VALUES (42)" }],
              ]
            : [["Test_Sql", "dup", { sql: "INSERT INTO deferred_check VALUES (1), (1)" }]];
        const error = await runFailure(runChain(db, [create("a", "alice"), ...violate], { transaction: true }));
        expect(error.nodeId).toBe("@dataflow/transactions");
        expect(error.cause).toBeInstanceOf(TransactionError);
        expect((error.cause as Error).message).toMatch(/COMMIT failed/);
        expect(await committedAccounts(raw)).toEqual([]);
        const scoped = await runFailure(runChain(db, [[T.Scope, "s"], create("b", "bob"), ...violate, [T.Commit, "commit"]]));
        expect(scoped.nodeId).toBe("commit");
        expect(await committedAccounts(raw)).toEqual([]);
        await runChain(db, [create("c", "carol")], { transaction: true });
        expect(await committedAccounts(raw)).toEqual(["carol=1"]);
      });

      it.skipIf(p.name === "sqlite")("the connection killed before COMMIT: the outcome is reported as unknown (SQLite is in-process)", async () => {
        const admin = await p.raw({ admin: true });
        try {
          const adapter = db.adapter as DatabaseAdapter;
          const killOwnConnection = defineNode({
            type: "Test_KillOwnConnection",
            params: {},
            async run(_params, ctx) {
              const exec = adapter.executorFor(ctx);
              if (isPostgres(p)) {
                const pid = (await exec.query("SELECT pg_backend_pid() AS pid", [])).rows[0]!.pid;
                await admin.query("SELECT pg_terminate_backend($1)", [pid]);
              } else {
                const id = (await exec.query("SELECT CONNECTION_ID() AS id", [])).rows[0]!.id;
                await admin.run(`KILL ${Number(id)}`);
              }
              return { result: true };
            },
          });
          const error = await runFailure(runChain(db, [create("a", "alice"), [killOwnConnection, "kill"]], { transaction: true }));
          expect(error.cause).toBeInstanceOf(TransactionError);
          expect((error.cause as Error).message).toMatch(/unknown/);
          expect(await committedAccounts(raw)).toEqual([]);
          await runChain(db, [create("b", "bob")], { transaction: true });
          expect(await committedAccounts(raw)).toEqual(["bob=1"]);
        } finally {
          await admin.close();
        }
      });
    });

    describe.skipIf(p.name === "sqlite")("isolation levels reach the database (SQLite transactions are always serializable)", () => {
      it.each(["read committed", "repeatable read"] as const)("%s: what a second read in the scope sees after a concurrent commit", async (level) => {
        const { a } = await runChain(db, [create("a", "alice", 1)]);
        const g = gate();
        const running = runChain(db, [
          [T.Scope, "scope", { isolationLevel: level }],
          [A.Read, "first", { id: a.result.id }],
          [g.node, "gate"],
          [A.Read, "second", { id: a.result.id }],
          [T.Commit, "commit"],
        ]);
        await g.reached;
        await raw.run("UPDATE accounts SET balance = 2 WHERE name = 'alice'");
        g.open();
        const results = await running;
        expect(results.first.result.balance).toBe(1);
        expect(results.second.result.balance).toBe(level === "read committed" ? 2 : 1);
      });
    });

    it.skipIf(p.name === "sqlite")(
      "readOnly: a write inside a read-only scope is refused and nothing is written (SQLite does not refuse writes; there readOnly is BEGIN DEFERRED, see database-specific tests)",
      async () => {
        const error = await runFailure(runChain(db, [[T.Scope, "scope", { readOnly: true }], create("a", "alice"), [T.Commit, "commit"]]));
        expect(error.nodeId).toBe("a");
        expect(await committedAccounts(raw)).toEqual([]);
      },
    );
  });
}

/** `db.transaction()` over the same three databases. */
for (const p of providers) {
  describe.skipIf(p.skipReason !== "")(`db.transaction() on ${p.name}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`, () => {
    let db: DataFlow;
    let raw: RawConnection;
    let A: ReturnType<typeof declareModels>["Account"]["nodes"];
    let T: ReturnType<typeof transactionNodeTypes>;

    beforeAll(async () => {
      db = new DataFlowClass({ url: p.url, plugins: [transactions()], namespace: `${p.name}_dbtx` });
      A = declareModels(db).Account.nodes;
      T = transactionNodeTypes(db);
      raw = await p.raw();
    });
    afterAll(async () => {
      await raw?.close();
      await db?.close();
    });
    beforeEach(async () => {
      await db.initialize();
      await raw.run("DELETE FROM accounts");
    });

    const create = (name: string, balance = 1) => chain(db, [[A.Create, "c", { data: { name, balance } }]]);

    it("commits what the callback did when it resolves; nothing is visible outside before", async () => {
      const value = await db.transaction(async (tx) => {
        await tx.execute(create("alice"));
        await tx.execute(create("bob"));
        expect(await committedAccounts(raw)).toEqual([]);
        return 42;
      });
      expect(value).toBe(42);
      expect(await committedAccounts(raw)).toEqual(["alice=1", "bob=1"]);
    });

    it("rolls everything back when the callback rejects, and rethrows its error", async () => {
      const boom = new Error("boom");
      await expect(
        db.transaction(async (tx) => {
          await tx.execute(create("alice"));
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("a failing tx.execute() rolls back only its own run; the transaction goes on", async () => {
      await db.transaction(async (tx) => {
        await tx.execute(create("alice"));
        const error = await runFailure(
          tx.execute(
            chain(db, [
              [A.Create, "x", { data: { name: "x", balance: 1 } }],
              [A.Create, "dup", { data: { name: "alice", balance: 1 } }],
            ]),
          ),
        );
        expect(error.cause).toBeInstanceOf(UniqueViolationError);
        await tx.execute(create("bob"));
      });
      expect(await committedAccounts(raw)).toEqual(["alice=1", "bob=1"]);
    });

    it("tx.savepoint(): a rejected savepoint undoes only its writes", async () => {
      await db.transaction(async (tx) => {
        await tx.execute(create("alice"));
        await expect(
          tx.savepoint(async () => {
            await tx.execute(create("bob"));
            throw new Error("undo bob");
          }),
        ).rejects.toThrow("undo bob");
        await tx.savepoint(() => tx.execute(create("carol")));
      });
      expect(await committedAccounts(raw)).toEqual(["alice=1", "carol=1"]);
    });

    it("a workflow run by any LocalRuntime inside the callback joins the transaction", async () => {
      const wf = new WorkflowBuilder({ dataflow: db });
      for (const name of ["a", "b", "c"]) wf.addNode(A.Create, name, { data: { name, balance: 1 } });
      wf.addNode(A.BulkCreate, "bulk", {
        data: [
          { name: "d", balance: 1 },
          { name: "e", balance: 1 },
        ],
      });
      const built = wf.build();
      await expect(
        db.transaction(async () => {
          await new LocalRuntime().execute(built);
          throw new Error("roll it all back");
        }),
      ).rejects.toThrow("roll it all back");
      expect(await committedAccounts(raw)).toEqual([]);
      await db.transaction(() => new LocalRuntime().execute(built));
      expect(await committedAccounts(raw)).toHaveLength(5);
    });

    it("concurrent tx.execute() calls share the connection one after another", async () => {
      await db.transaction(async (tx) => {
        await Promise.all(
          ["p", "q", "r"].map((prefix) =>
            tx.execute(chain(db, [[A.BulkCreate, "b", { data: [1, 2, 3].map((i) => ({ name: `${prefix}${i}`, balance: i })) }]])),
          ),
        );
      });
      expect(await committedAccounts(raw)).toHaveLength(9);
    });

    it("scope nodes and transaction: true inside it are savepoints of it", async () => {
      await db.transaction(async (tx) => {
        const { results } = await tx.execute(
          chain(db, [
            [T.Scope, "s"],
            [A.Create, "a", { data: { name: "alice", balance: 1 } }],
            [T.Rollback, "r"],
          ]),
        );
        expect(results.s.result.savepoint).toBe(true);
        await tx.execute(create("bob"), { transaction: true });
        await runFailure(
          new LocalRuntime().execute(
            chain(db, [
              [A.Create, "c", { data: { name: "carol", balance: 1 } }],
              [A.Create, "d", { data: { name: "bob", balance: 1 } }],
            ]),
            { transaction: true },
          ),
        );
      });
      expect(await committedAccounts(raw)).toEqual(["bob=1"]);
    });

    it("a nested db.transaction() is a savepoint", async () => {
      await db.transaction(async (tx) => {
        await tx.execute(create("alice"));
        await expect(
          db.transaction(async (inner) => {
            await inner.execute(create("bob"));
            throw new Error("inner fails");
          }),
        ).rejects.toThrow("inner fails");
        await expect(db.transaction(async () => "ran", { readOnly: true })).rejects.toBeInstanceOf(ValidationError);
      });
      expect(await committedAccounts(raw)).toEqual(["alice=1"]);
    });

    it("tx cannot be used once the transaction has ended", async () => {
      let leaked: { execute: (wf: ReturnType<typeof create>) => Promise<unknown> } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.execute(create("alice"))).rejects.toBeInstanceOf(TransactionError);
      expect(await committedAccounts(raw)).toEqual([]);
    });

    it("bad options are a ValidationError naming the field, and nothing runs", async () => {
      let ran = false;
      const body = async () => {
        ran = true;
      };
      const level = await db.transaction(body, { isolationLevel: "chaos" as never }).catch((e: unknown) => e);
      expect(level).toBeInstanceOf(ValidationError);
      expect((level as ValidationError).field).toBe("isolationLevel");
      const unknown = await db.transaction(body, { isolation: "serializable" } as never).catch((e: unknown) => e);
      expect((unknown as ValidationError).field).toBe("isolation");
      expect(ran).toBe(false);
    });

    it.skipIf(p.name === "sqlite")("the isolation level reaches the database (SQLite transactions are always serializable)", async () => {
      const { a } = await runChain(db, [[A.Create, "a", { data: { name: "alice", balance: 1 } }]]);
      const g = gate();
      const running = db.transaction(
        async (tx) => {
          const first = await tx.execute(
            chain(db, [
              [A.Read, "r", { id: a.result.id }],
              [g.node, "gate"],
            ]),
          );
          const second = await tx.execute(chain(db, [[A.Read, "r", { id: a.result.id }]]));
          return [first.results.r.result.balance, second.results.r.result.balance];
        },
        { isolationLevel: "repeatable read" },
      );
      await g.reached;
      await raw.run("UPDATE accounts SET balance = 2 WHERE name = 'alice'");
      g.open();
      expect(await running).toEqual([1, 1]);
    });
  });
}
