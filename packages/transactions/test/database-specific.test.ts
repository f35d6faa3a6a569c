import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DataFlow, TransactionError, defineNode } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { transactionNodeTypes, transactions } from "../src/index.js";
import type { Provider, RawConnection } from "./support/providers.js";
import { provide } from "./support/providers.js";
import type { Step } from "./support/workflows.js";
import { chain, committedAccounts, declareModels, gate, runChain, runFailure, signal, sqlNode } from "./support/workflows.js";

const [sqlite, postgres, mysql] = await Promise.all([provide("sqlite"), provide("postgres"), provide("mysql")]);
afterAll(() => Promise.all([sqlite, postgres, mysql].map((p) => p.dispose())));

const title = (p: Provider, what: string) => `${what}${p.skipReason ? ` (skipped: ${p.skipReason})` : ""}`;

/** A DataFlow with the plugin, the test models, the SQL node, and a raw connection, per describe block. */
function useDatabase(p: Provider, namespace: string, adapter: Record<string, unknown> = {}) {
  const ctx = {} as {
    db: DataFlow;
    raw: RawConnection;
    T: ReturnType<typeof transactionNodeTypes>;
    models: ReturnType<typeof declareModels>;
  };
  beforeAll(async () => {
    ctx.db = new DataFlow({ url: p.url, plugins: [transactions()], namespace, adapter });
    ctx.models = declareModels(ctx.db);
    ctx.T = transactionNodeTypes(ctx.db);
    ctx.db.registerNode(sqlNode(ctx.db));
    await ctx.db.initialize();
    ctx.raw = await p.raw();
  });
  afterAll(async () => {
    await ctx.raw?.close();
    await ctx.db?.close();
  });
  beforeEach(async () => {
    await ctx.raw.run("DELETE FROM accounts");
    await ctx.raw.run("DELETE FROM doctors");
  });
  return ctx;
}

describe.skipIf(postgres.skipReason !== "")(title(postgres, "PostgreSQL"), () => {
  const ctx = useDatabase(postgres, "pg_specific");

  it.each(["read committed", "repeatable read", "serializable"] as const)("the isolation level %s is read back inside the scope", async (level) => {
    const results = await runChain(ctx.db, [
      [ctx.T.Scope, "scope", { isolationLevel: level, readOnly: true }],
      ["Test_Sql", "level", { sql: "SHOW transaction_isolation" }],
      ["Test_Sql", "readOnly", { sql: "SHOW transaction_read_only" }],
      [ctx.T.Commit, "commit"],
    ]);
    expect(results.scope.result).toMatchObject({ isolationLevel: level, readOnly: true });
    expect(results.level.rows).toEqual([{ transaction_isolation: level }]);
    expect(results.readOnly.rows).toEqual([{ transaction_read_only: "on" }]);
  });

  it("db.transaction() options reach the database too", async () => {
    const adapter = ctx.db.adapter as DatabaseAdapter;
    const seen = await ctx.db.transaction(async () => (await adapter.query("SHOW transaction_isolation", [])).rows[0]!.transaction_isolation, {
      isolationLevel: "serializable",
    });
    expect(seen).toBe("serializable");
  });

  it("a serializable write skew fails one of two concurrent runs with a retryable TransactionError", async () => {
    const { Doctor } = ctx.models;
    await runChain(ctx.db, [
      [
        Doctor.nodes.BulkCreate,
        "seed",
        {
          data: [
            { name: "alice", on_call: true },
            { name: "bob", on_call: true },
          ],
        },
      ],
    ]);
    // Deterministic interleaving: both runs read, then X updates and commits, then Y updates.
    const xRead = signal();
    const yRead = signal();
    const xDone = signal();
    const barrier = (type: string, arrive: () => void, waitFor: Array<Promise<void>>) =>
      defineNode({
        type,
        params: {},
        async run() {
          arrive();
          await Promise.all(waitFor);
          return { result: true };
        },
      });
    const goOffCall = (run: string, name: string, wait: ReturnType<typeof barrier>): Step[] => [
      [ctx.T.Scope, `${run}_scope`, { isolationLevel: "serializable" }],
      [Doctor.nodes.Count, `${run}_count`, { filter: { on_call: true } }],
      [wait, `${run}_barrier`],
      [Doctor.nodes.BulkUpdate, `${run}_off`, { filter: { name, on_call: true }, fields: { on_call: false } }],
      [ctx.T.Commit, `${run}_commit`],
    ];
    const x = runChain(
      ctx.db,
      goOffCall(
        "x",
        "alice",
        barrier("Test_BarrierX", () => xRead.resolve(), [yRead.promise]),
      ),
    );
    const xSettled = x.then(
      () => xDone.resolve(),
      () => xDone.resolve(),
    );
    const y = runChain(
      ctx.db,
      goOffCall(
        "y",
        "bob",
        barrier("Test_BarrierY", () => yRead.resolve(), [xRead.promise, xDone.promise]),
      ),
    );
    const xResults = await x;
    await xSettled;
    expect(xResults.x_count.result).toBe(2);
    const error = await runFailure(y);
    expect(error.cause).toBeInstanceOf(TransactionError);
    expect((error.cause as TransactionError).retryable).toBe(true);
    expect(error.retryable).toBe(true);
    const rows = await ctx.raw.query<{ name: string; on_call: boolean }>("SELECT name, on_call FROM doctors ORDER BY name");
    expect(rows).toEqual([
      { name: "alice", on_call: false },
      { name: "bob", on_call: true },
    ]);
  });
});

describe.skipIf(sqlite.skipReason !== "")(title(sqlite, "SQLite"), () => {
  // busy_timeout 0: a locked database is reported at once instead of after the default 5 s wait.
  const ctx = useDatabase(sqlite, "sqlite_specific", { busyTimeoutMs: 0 });

  it("a scope takes the write lock at BEGIN (IMMEDIATE); another writer's lock is a retryable TransactionError", async () => {
    const other = await sqlite.raw();
    try {
      await other.run("BEGIN IMMEDIATE");
      const error = await runFailure(
        runChain(ctx.db, [
          [ctx.T.Scope, "scope"],
          [ctx.models.Account.nodes.Count, "count"],
          [ctx.T.Commit, "commit"],
        ]),
      );
      expect(error.nodeId).toBe("scope");
      expect(error.cause).toBeInstanceOf(TransactionError);
      expect((error.cause as TransactionError).retryable).toBe(true);
      const atomic = await runFailure(
        runChain(ctx.db, [[ctx.models.Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }]], { transaction: true }),
      );
      expect((atomic.cause as TransactionError).retryable).toBe(true);
      const readOnly = await runChain(ctx.db, [
        [ctx.T.Scope, "scope", { readOnly: true }],
        [ctx.models.Account.nodes.Count, "count"],
        [ctx.T.Commit, "commit"],
      ]);
      expect(readOnly.count.result).toBe(0);
      await other.run("COMMIT");
      await runChain(ctx.db, [[ctx.models.Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }]], { transaction: true });
      expect(await committedAccounts(ctx.raw)).toEqual(["alice=1"]);
    } finally {
      await other.close();
    }
  });

  it("while a scope holds the one connection, other work of the same DataFlow waits for it instead of seeing its rows", async () => {
    const g = gate();
    const { Account } = ctx.models;
    const scoped = runChain(ctx.db, [
      [ctx.T.Scope, "scope"],
      [Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }],
      [g.node, "gate"],
      [ctx.T.Rollback, "undo"],
    ]);
    await g.reached;
    const count = runChain(ctx.db, [[Account.nodes.Count, "n"]]);
    g.open();
    await scoped;
    expect((await count).n.result).toBe(0);
  });
});

describe.skipIf(mysql.skipReason !== "")(title(mysql, "MariaDB / MySQL"), () => {
  const ctx = useDatabase(mysql, "my_specific");

  it("a lock wait timeout (1205) inside a scope rolls back the whole scope, not only the statement", async () => {
    const { Account } = ctx.models;
    const { a } = await runChain(ctx.db, [[Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }]]);
    const holder = await mysql.raw();
    // A DataFlow of its own, because the short lock wait set below stays on its pooled connection.
    const impatient = new DataFlow({ url: mysql.url, plugins: [transactions()], namespace: "impatient" });
    try {
      const { Account: Acc } = declareModels(impatient);
      const T = transactionNodeTypes(impatient);
      impatient.registerNode(sqlNode(impatient));
      await impatient.initialize();
      await holder.run("START TRANSACTION");
      await holder.query("SELECT id FROM accounts WHERE name = 'alice' FOR UPDATE");
      const error = await runFailure(
        runChain(impatient, [
          [T.Scope, "scope"],
          ["Test_Sql", "impatient", { sql: "SET SESSION innodb_lock_wait_timeout = 1" }],
          [Acc.nodes.Create, "bob", { data: { name: "bob", balance: 1 } }],
          [Acc.nodes.Update, "locked", { id: a.result.id, fields: { balance: 2 } }],
          [T.Commit, "commit"],
        ]),
      );
      expect(error.nodeId).toBe("locked");
      expect(error.cause).toBeInstanceOf(TransactionError);
      expect((error.cause as TransactionError).retryable).toBe(true);

      // Carrying on inside db.transaction() after the timeout cannot commit half of it either.
      await expect(
        impatient.transaction(async (tx) => {
          await tx.execute(chain(impatient, [["Test_Sql", "s", { sql: "SET SESSION innodb_lock_wait_timeout = 1" }]]));
          await tx.execute(chain(impatient, [[Acc.nodes.Create, "carol", { data: { name: "carol", balance: 1 } }]]));
          await expect(tx.execute(chain(impatient, [[Acc.nodes.Update, "locked", { id: a.result.id, fields: { balance: 3 } }]]))).rejects.toThrow();
          await tx.execute(chain(impatient, [[Acc.nodes.Create, "dave", { data: { name: "dave", balance: 1 } }]]));
        }),
      ).rejects.toBeInstanceOf(TransactionError);
      await holder.run("ROLLBACK");
      expect(await committedAccounts(ctx.raw)).toEqual(["alice=1"]);
    } finally {
      await holder.close();
      await impatient.close();
    }
  });

  it.each([
    ["serializable", true],
    ["repeatable read", false],
  ] as const)("%s: a plain read in the scope locks the row against other writers: %s", async (level, locks) => {
    const { Account } = ctx.models;
    const { a } = await runChain(ctx.db, [[Account.nodes.Create, "a", { data: { name: "alice", balance: 1 } }]]);
    const g = gate();
    const running = runChain(ctx.db, [
      [ctx.T.Scope, "scope", { isolationLevel: level }],
      [Account.nodes.Read, "read", { id: a.result.id }],
      [g.node, "gate"],
      [ctx.T.Commit, "commit"],
    ]);
    await g.reached;
    const writer = await mysql.raw();
    try {
      await writer.run("SET SESSION innodb_lock_wait_timeout = 1");
      const outcome = await writer.run("UPDATE accounts SET balance = 2 WHERE name = 'alice'").then(
        () => "updated",
        (e: { errno?: number }) => `error ${e.errno}`,
      );
      expect(outcome).toBe(locks ? "error 1205" : "updated");
    } finally {
      await writer.close();
      g.open();
      await running;
    }
  });
});
