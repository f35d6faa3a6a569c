import type { AdapterOptions, Plugin } from "@dataflow/kernel/plugin";
import { DataFlow, LocalRuntime, TransactionError, WorkflowBuilder, WorkflowExecutionError, field } from "@dataflow/kernel";
import type { MongoTestDatabase } from "@dataflow/testing";
import { failureOf, useMongoDatabase } from "@dataflow/testing";
import { transactions } from "@dataflow/transactions";
import type { CommandStartedEvent, Document } from "mongodb";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MongoCapabilities } from "../src/index.js";
import mongodb, { EMULATOR_LIMITS, MongoAdapter, missingReason } from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

/** What the connected deployment declares, probed once (undefined when no server is available). */
const probed: MongoCapabilities | undefined = await (async () => {
  if (!provisioned.ok) return undefined;
  const adapter = new MongoAdapter(server.url);
  try {
    await adapter.connect();
    return adapter.capabilities;
  } finally {
    await adapter.close();
  }
})();
const hasTransactions = probed?.transactions === true;
const noTransactionsReason = probed ? missingReason(probed, "transactions") : undefined;
/** Why real rollback cannot be tested here (the capability that gates it), or undefined on a replica set. */
const rollbackSkip = hasTransactions
  ? undefined
  : `needs capability 'transactions': ${probed?.emulator ? EMULATOR_LIMITS.transactions : "this MongoDB server is standalone"}`;

type Seen = Pick<CommandStartedEvent, "commandName"> & { lsid?: string; txnNumber?: string; startTransaction?: boolean; collection?: unknown };

/** A DataFlow on `url` whose adapter is `make(url, options)`, with the transactions plugin and driver command monitoring. */
function dataflowWith(make: (url: string, options: AdapterOptions) => MongoAdapter, plugins: Plugin[] = [transactions()]): DataFlow {
  const plugin: Plugin = { ...mongodb, adapters: [{ schemes: ["mongodb"], create: make }] };
  const db = new DataFlow({ url: server.url, plugins: [plugin, ...plugins], adapter: { driver: { monitorCommands: true } } });
  db.model("Account", { name: field.string(), balance: field.int() }, { table: "accounts" });
  return db;
}

/** Records the data commands the adapter's driver client sends. */
async function watch(db: DataFlow): Promise<Seen[]> {
  const client = (await (db.adapter as MongoAdapter).database()).client;
  const seen: Seen[] = [];
  client.on("commandStarted", (e: CommandStartedEvent) => {
    if (["hello", "isMaster", "ping", "buildInfo", "endSessions", "killCursors"].includes(e.commandName)) return;
    const c = e.command as Document;
    seen.push({
      commandName: e.commandName,
      ...(c.lsid ? { lsid: String(c.lsid.id?.toString("hex")) } : {}),
      ...(c.txnNumber !== undefined ? { txnNumber: String(c.txnNumber) } : {}),
      ...(c.startTransaction ? { startTransaction: true } : {}),
      collection: c[e.commandName],
    });
  });
  return seen;
}

function chain(db: DataFlow, steps: [type: string, id: string, params?: Record<string, unknown>][]) {
  const b = new WorkflowBuilder({ dataflow: db });
  steps.forEach(([type, id, params], i) => {
    b.addNode(type, id, params ?? {});
    if (i > 0) b.addDependency(steps[i - 1]![1], id);
  });
  return b.build();
}

describe.skipIf(skipReason !== undefined)(`transactions plugin on MongoDB (${provisioned.ok ? provisioned.db.source : `skipped: ${skipReason}`})`, () => {
  let raw: MongoClient;
  const count = (collection: string, filter: Document = {}) => raw.db(server.databaseName).collection(collection).countDocuments(filter);

  beforeAll(async () => {
    raw = new MongoClient(server.url);
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close();
    await server.dispose();
  });

  describe("where the deployment has no transactions: a TransactionError naming the reason, nothing written", () => {
    let db: DataFlow;
    beforeAll(() => {
      db = dataflowWith((url, o) => new MongoAdapter(url, o));
    });
    afterAll(() => db?.close());

    it("a TransactionScope fails before its nodes run", async (t) => {
      if (hasTransactions) return t.skip("this deployment supports transactions (capability 'transactions' is on)");
      const wf = chain(db, [
        ["TransactionScope", "tx"],
        ["DocumentInsert", "add", { collection: "refused", document: { n: 1 } }],
        ["TransactionCommit", "commit"],
      ]);
      const error = await failureOf(new LocalRuntime({ dataflow: db }).execute(wf));
      expect(error).toBeInstanceOf(TransactionError);
      expect(error.message).toContain(noTransactionsReason!);
      expect(await count("refused")).toBe(0);
    });

    it("execute(wf, { transaction: true }) fails before the first node", async (t) => {
      if (hasTransactions) return t.skip("this deployment supports transactions (capability 'transactions' is on)");
      const wf = chain(db, [
        ["Account_Create", "a", { data: { name: "refused", balance: 1 } }],
        ["DocumentInsert", "b", { collection: "refused", document: { n: 2 } }],
      ]);
      const error = await failureOf(new LocalRuntime({ dataflow: db }).execute(wf, { transaction: true }));
      expect(error).toBeInstanceOf(TransactionError);
      expect(error.message).toContain(noTransactionsReason!);
      expect(await count("accounts", { name: "refused" })).toBe(0);
      expect(await count("refused")).toBe(0);
    });
  });

  it("without the transactions plugin, transaction: true fails every node closed, model and document alike", async () => {
    const db = dataflowWith((url, o) => new MongoAdapter(url, o), []);
    try {
      const runtime = new LocalRuntime({ dataflow: db });
      for (const [type, params] of [
        ["Account_Create", { data: { name: "escaped", balance: 1 } }],
        ["DocumentInsert", { collection: "escaped", document: { n: 1 } }],
        ["DocumentFind", { collection: "escaped" }],
      ] as const) {
        const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
        const error = await failureOf(runtime.execute(wf, { transaction: true }));
        expect(error, type).toBeInstanceOf(TransactionError);
        expect(error.message).toMatch(/transaction: true, but no transaction is open/);
      }
      expect(await count("accounts", { name: "escaped" })).toBe(0);
      expect(await count("escaped")).toBe(0);
    } finally {
      await db.close();
    }
  });

  // The emulator accepts the transaction commands without isolating or rolling back, so with the
  // capability forced on it shows which session each command carries. Rollback itself is tested
  // below, on a real replica set only.
  describe("sessions reach every command of the nodes in a transaction (capability forced on)", () => {
    let db: DataFlow;
    let seen: Seen[];
    const sessionSkip = probed?.emulator || hasTransactions ? undefined : "a standalone MongoDB server refuses transaction numbers, forced or not";
    class ForcedTransactions extends MongoAdapter {
      override get capabilities(): MongoCapabilities {
        return { ...super.capabilities, transactions: true };
      }
    }
    const data = () => seen.filter((s) => !["commitTransaction", "abortTransaction"].includes(s.commandName));

    beforeAll(async () => {
      if (sessionSkip) return;
      db = dataflowWith((url, o) => new ForcedTransactions(url, o));
      await db.initialize();
      seen = await watch(db);
    });
    afterAll(() => db?.close());

    it("TransactionScope: model and document nodes share one session transaction up to the commit; nodes after it do not", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      seen.length = 0;
      const wf = chain(db, [
        ["TransactionScope", "tx"],
        ["Account_Create", "create", { data: { name: "ann", balance: 10 } }],
        ["DocumentInsert", "insert", { collection: "ledger", document: { who: "ann" } }],
        ["DocumentFind", "find", { collection: "ledger" }],
        ["Account_List", "list", {}],
        ["DocumentUpdate", "update", { collection: "ledger", filter: { who: "ann" }, update: { $set: { ok: true } } }],
        ["TransactionCommit", "commit"],
        ["DocumentCount", "after", { collection: "ledger" }],
      ]);
      const { results } = await new LocalRuntime({ dataflow: db }).execute(wf);
      expect(results.commit).toEqual({ result: { scope: "tx", committed: true } });
      const commit = seen.findIndex((s) => s.commandName === "commitTransaction");
      const inside = seen.slice(0, commit + 1);
      expect(inside.map((s) => s.commandName)).toEqual(expect.arrayContaining(["insert", "find", "aggregate", "update", "findAndModify", "commitTransaction"]));
      const txn = inside[0]!;
      expect(txn.startTransaction).toBe(true);
      for (const s of inside)
        expect({ name: s.commandName, lsid: s.lsid, txn: s.txnNumber }).toEqual({ name: s.commandName, lsid: txn.lsid, txn: txn.txnNumber });
      expect(seen.slice(commit + 1).map((s) => [s.commandName, s.txnNumber])).toEqual([["aggregate", undefined]]);
    });

    it("execute(wf, { transaction: true }): every node joins; a failing node aborts instead of committing", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      seen.length = 0;
      const ok = chain(db, [
        [
          "Account_BulkCreate",
          "bulk",
          {
            data: [
              { name: "b1", balance: 1 },
              { name: "b2", balance: 2 },
            ],
          },
        ],
        ["BulkDocumentInsert", "docs", { collection: "ledger", documents: [{ n: 1 }, { n: 2 }] }],
        ["Aggregate", "agg", { collection: "ledger", pipeline: [{ $count: "n" }] }],
        ["DocumentDelete", "del", { collection: "ledger", filter: { n: 1 } }],
        ["Account_Count", "count", {}],
      ]);
      await new LocalRuntime({ dataflow: db }).execute(ok, { transaction: true });
      const txns = new Set(data().map((s) => `${s.lsid}/${s.txnNumber}`));
      expect(txns.size).toBe(1);
      expect([...txns][0]).not.toMatch(/undefined/);
      expect(seen.at(-1)?.commandName).toBe("commitTransaction");

      seen.length = 0;
      const failing = chain(db, [
        ["DocumentInsert", "insert", { collection: "ledger", document: { n: 3 } }],
        ["Account_Update", "missing", { id: 999999, fields: { balance: 0 } }],
      ]);
      const error = await new LocalRuntime({ dataflow: db }).execute(failing, { transaction: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowExecutionError);
      expect(seen.map((s) => s.commandName)).toContain("abortTransaction");
      expect(seen.map((s) => s.commandName)).not.toContain("commitTransaction");
      expect(new Set(seen.map((s) => s.txnNumber))).not.toContain(undefined);
    });

    it("TransactionRollback aborts the session transaction", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      seen.length = 0;
      const wf = chain(db, [
        ["TransactionScope", "tx"],
        ["DocumentInsert", "insert", { collection: "ledger", document: { n: 4 } }],
        ["TransactionRollback", "undo", { reason: "changed my mind" }],
      ]);
      const { results } = await new LocalRuntime({ dataflow: db }).execute(wf);
      expect(results.undo).toEqual({ result: { scope: "tx", rolledBack: true, reason: "changed my mind" } });
      expect(seen.map((s) => s.commandName)).toEqual(["insert", "abortTransaction"]);
    });

    it("no savepoints: a nested scope, a scope in transaction: true, and savepoint nodes are TransactionErrors; the transaction is aborted", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      const runtime = new LocalRuntime({ dataflow: db });
      const cases: [string, ReturnType<typeof chain>, { transaction?: boolean }][] = [
        [
          "nested scope",
          chain(db, [
            ["TransactionScope", "outer"],
            ["DocumentInsert", "i", { collection: "ledger", document: { n: 5 } }],
            ["TransactionScope", "inner"],
          ]),
          {},
        ],
        [
          "scope in transaction: true",
          chain(db, [
            ["DocumentInsert", "i", { collection: "ledger", document: { n: 5 } }],
            ["TransactionScope", "inner"],
          ]),
          { transaction: true },
        ],
        [
          "TransactionSavepoint",
          chain(db, [
            ["TransactionScope", "tx"],
            ["DocumentInsert", "i", { collection: "ledger", document: { n: 5 } }],
            ["TransactionSavepoint", "sp", { name: "before" }],
          ]),
          {},
        ],
        [
          "TransactionRollbackToSavepoint",
          chain(db, [
            ["TransactionScope", "tx"],
            ["DocumentInsert", "i", { collection: "ledger", document: { n: 5 } }],
            ["TransactionRollbackToSavepoint", "sp", { name: "before" }],
          ]),
          {},
        ],
      ];
      for (const [name, wf, options] of cases) {
        seen.length = 0;
        const error = await failureOf(runtime.execute(wf, options));
        expect(error, name).toBeInstanceOf(TransactionError);
        expect(error.message, name).toMatch(/^mongodb transactions have no savepoints/);
        expect(
          seen.map((s) => s.commandName),
          name,
        ).toEqual(["insert", "abortTransaction"]);
      }
    });

    it("CreateIndex refuses to run inside a transaction", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      seen.length = 0;
      const wf = chain(db, [
        ["TransactionScope", "tx"],
        ["CreateIndex", "idx", { collection: "ledger", keys: { n: 1 } }],
      ]);
      const error = await failureOf(new LocalRuntime({ dataflow: db }).execute(wf));
      expect(error).toBeInstanceOf(TransactionError);
      expect(error.message).toMatch(/CreateIndex 'idx' cannot run inside a transaction/);
      expect(seen.map((s) => s.commandName)).not.toContain("createIndexes");
    });

    it("inside db.transaction(): a run joins its session; transaction: true joins without a savepoint, and its failure dooms the transaction", async (t) => {
      if (sessionSkip) return t.skip(sessionSkip);
      seen.length = 0;
      const runtime = new LocalRuntime({ dataflow: db });
      await db.transaction(async () => {
        await runtime.execute(chain(db, [["DocumentInsert", "a", { collection: "ledger", document: { n: 6 } }]]));
        await runtime.execute(chain(db, [["Account_Create", "b", { data: { name: "joined", balance: 6 } }]]), { transaction: true });
      });
      expect(new Set(data().map((s) => `${s.lsid}/${s.txnNumber}`)).size).toBe(1);
      expect(seen.at(-1)?.commandName).toBe("commitTransaction");

      seen.length = 0;
      const outcome = await db
        .transaction(async () => {
          const failed = await runtime
            .execute(
              chain(db, [
                ["DocumentInsert", "a", { collection: "ledger", document: { n: 7 } }],
                ["Account_Delete", "gone", { id: 999999 }],
              ]),
              {
                transaction: true,
              },
            )
            .catch((e: unknown) => e);
          expect(failed).toBeInstanceOf(WorkflowExecutionError);
          // Caught and ignored: without savepoints the transaction cannot go on past the failure.
          return runtime.execute(chain(db, [["DocumentCount", "c", { collection: "ledger" }]])).catch((e: unknown) => e);
        })
        .catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(TransactionError);
      expect(seen.map((s) => s.commandName)).toContain("abortTransaction");
      expect(seen.map((s) => s.commandName)).not.toContain("commitTransaction");

      const scoped = await db.transaction(() => failureOf(runtime.execute(chain(db, [["TransactionScope", "tx"]])))).catch((e: unknown) => e);
      expect(scoped).toBeInstanceOf(TransactionError);
      expect((scoped as Error).message).toMatch(/cannot open inside db.transaction\(\)/);
    });
  });

  describe("real rollback (needs a replica set)", () => {
    let db: DataFlow;
    beforeAll(async () => {
      if (rollbackSkip) return;
      db = dataflowWith((url, o) => new MongoAdapter(url, o));
      await db.initialize();
    });
    afterAll(() => db?.close());

    it("TransactionRollback undoes model and document writes; TransactionCommit keeps them", async (t) => {
      if (rollbackSkip) return t.skip(rollbackSkip);
      const runtime = new LocalRuntime({ dataflow: db });
      const steps = (close: "TransactionCommit" | "TransactionRollback", tag: string) =>
        chain(db, [
          ["TransactionScope", "tx"],
          ["Account_Create", "a", { data: { name: tag, balance: 1 } }],
          ["DocumentInsert", "d", { collection: "real", document: { tag } }],
          [close, "end"],
        ]);
      await runtime.execute(steps("TransactionRollback", "undone"));
      await runtime.execute(steps("TransactionCommit", "kept"));
      expect(await count("accounts", { name: "undone" })).toBe(0);
      expect(await count("real", { tag: "undone" })).toBe(0);
      expect(await count("accounts", { name: "kept" })).toBe(1);
      expect(await count("real", { tag: "kept" })).toBe(1);
    });

    it("transaction: true: a failing node rolls back every earlier write of the run", async (t) => {
      if (rollbackSkip) return t.skip(rollbackSkip);
      const wf = chain(db, [
        ["Account_Create", "a", { data: { name: "atomic", balance: 1 } }],
        ["BulkDocumentInsert", "d", { collection: "real", documents: [{ tag: "atomic" }, { tag: "atomic" }] }],
        ["Account_Update", "missing", { id: 999999, fields: { balance: 0 } }],
      ]);
      await expect(new LocalRuntime({ dataflow: db }).execute(wf, { transaction: true })).rejects.toBeInstanceOf(WorkflowExecutionError);
      expect(await count("accounts", { name: "atomic" })).toBe(0);
      expect(await count("real", { tag: "atomic" })).toBe(0);
    });

    it("an uncommitted write is invisible outside the transaction until the commit", async (t) => {
      if (rollbackSkip) return t.skip(rollbackSkip);
      let outside = -1;
      const peek = { type: "PeekOutside", params: {}, run: async () => ({ result: (outside = await count("real", { tag: "pending" })) }) };
      db.registerNode(peek);
      const wf = chain(db, [
        ["TransactionScope", "tx"],
        ["DocumentInsert", "d", { collection: "real", document: { tag: "pending" } }],
        ["PeekOutside", "peek"],
        ["TransactionCommit", "end"],
      ]);
      await new LocalRuntime({ dataflow: db }).execute(wf);
      expect(outside).toBe(0);
      expect(await count("real", { tag: "pending" })).toBe(1);
    });
  });
});
