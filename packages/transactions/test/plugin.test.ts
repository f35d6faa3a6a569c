import { describe, expect, it } from "vitest";
import type { BaseAdapter } from "@dataflow/kernel/plugin";
import { DataFlow, PluginError } from "@dataflow/kernel";
import { definePlugin } from "@dataflow/kernel/plugin";
import defaultPlugin, { TRANSACTION_NODE_KINDS, transactionNodeTypes, transactions } from "../src/index.js";

describe("the plugin", () => {
  it("is the default export, and transactions() makes one", () => {
    expect(defaultPlugin.name).toBe("@dataflow/transactions");
    expect(transactions().name).toBe("@dataflow/transactions");
    expect(defaultPlugin.runHooks?.begin).toBeTypeOf("function");
  });

  it("registers the nodes without a prefix on a DataFlow without namespace", async () => {
    const db = new DataFlow({ url: "sqlite::memory:", plugins: [defaultPlugin] });
    try {
      expect(transactionNodeTypes(db)).toEqual({
        Scope: "TransactionScope",
        Commit: "TransactionCommit",
        Rollback: "TransactionRollback",
        Savepoint: "TransactionSavepoint",
        RollbackToSavepoint: "TransactionRollbackToSavepoint",
      });
      for (const kind of TRANSACTION_NODE_KINDS) expect(db.registry.get(`Transaction${kind}`)?.type).toBe(`Transaction${kind}`);
    } finally {
      await db.close();
    }
  });

  it("refuses a DataFlow whose adapter declares no transactions (neither sql-core nor runTransactions)", () => {
    const documentAdapter: BaseAdapter = {
      adapterType: "document",
      databaseType: "fakedoc",
      capabilities: { transactions: false, savepoints: false, returning: false, upsert: false, json: true, vector: false, streaming: false },
      connect: async () => {},
      close: async () => {},
      healthCheck: async () => ({ ok: true, latencyMs: 0 }),
      stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
      ensureSchema: async () => {},
    };
    const fake = definePlugin({ name: "fakedoc", kernel: "^1", adapters: [{ schemes: ["fakedoc"], create: () => documentAdapter }] });
    expect(() => new DataFlow({ url: "fakedoc://x", plugins: [fake, transactions()] })).toThrow(PluginError);
  });

  it("db.transaction() on an adapter without transactions is a TransactionError", async () => {
    const plain: BaseAdapter = {
      adapterType: "document",
      databaseType: "plaindoc",
      capabilities: { transactions: false, savepoints: false, returning: false, upsert: false, json: true, vector: false, streaming: false },
      connect: async () => {},
      close: async () => {},
      healthCheck: async () => ({ ok: true, latencyMs: 0 }),
      stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
      ensureSchema: async () => {},
    };
    const db = new DataFlow({
      url: "plaindoc://x",
      plugins: [definePlugin({ name: "plaindoc", kernel: "^1", adapters: [{ schemes: ["plaindoc"], create: () => plain }] })],
    });
    try {
      await expect(db.transaction(async () => 1)).rejects.toThrow(/does not support transactions/);
    } finally {
      await db.close();
    }
  });
});
