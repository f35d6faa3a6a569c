import { describe, expect, it } from "vitest";
import type { NodeContext, RunContext } from "@dataflow/kernel/plugin";
import { TransactionError } from "@dataflow/kernel/plugin";
import type { SessionOwner, SessionTransaction, SqlExecutor } from "../src/index.js";
import { bindRunTransaction } from "../src/index.js";
import { executorFor, inAmbientScope, inNodeScope, pin, transactionFor } from "../src/session.js";

const executor = (label: string): SqlExecutor => ({ query: async () => ({ rows: [{ label }], rowCount: 1 }) });
const tx = (label: string): SessionTransaction => ({ executor: executor(label), options: {}, savepoints: 0 });

function owner(cancelsStatements = true): SessionOwner & { pools: Array<AbortSignal | undefined> } {
  const pools: Array<AbortSignal | undefined> = [];
  return { databaseType: "fake", cancelsStatements, pools, poolExecutor: (signal) => (pools.push(signal), executor(signal ? "pool+signal" : "pool")) };
}

function nodeContext(options: { transaction?: boolean } = {}, signal?: AbortSignal): NodeContext {
  const run = { state: new Map(), options } as unknown as RunContext;
  return { run, ...(signal ? { signal } : {}) } as unknown as NodeContext;
}

const labelOf = async (exec: SqlExecutor) => (await exec.query("", [])).rows[0]!.label;

describe("the session: which connection runs a statement", () => {
  it("prefers the node's own transaction, then the run's, then the ambient one, then the pinned one, then the pool", async () => {
    const db = owner();
    const ctx = nodeContext();
    expect(await labelOf(executorFor(db, ctx))).toBe("pool");
    pin(db, tx("pinned"));
    expect(await labelOf(executorFor(db, ctx))).toBe("pinned");
    await inAmbientScope(db, tx("ambient"), async () => {
      expect(await labelOf(executorFor(db, ctx))).toBe("ambient");
      bindRunTransaction(ctx.run, db, tx("run"));
      expect(await labelOf(executorFor(db, ctx))).toBe("run");
      await inNodeScope(db, ctx, tx("node"), async () => {
        expect(await labelOf(executorFor(db, ctx))).toBe("node");
        // Another node of the same run does not see this node's own transaction.
        expect(await labelOf(executorFor(db, { ...ctx } as NodeContext))).toBe("run");
      });
      expect(await labelOf(executorFor(db, ctx))).toBe("run");
      bindRunTransaction(ctx.run, db, undefined);
      expect(await labelOf(executorFor(db, ctx))).toBe("ambient");
    });
    expect(await labelOf(executorFor(db, ctx))).toBe("pinned");
    pin(db, undefined);
    expect(transactionFor(db, ctx)).toBeUndefined();
    // Transactions are per database: another adapter's binding is not this one's.
    const other = owner();
    pin(other, tx("other"));
    expect(await labelOf(executorFor(db, ctx))).toBe("pool");
    pin(other, undefined);
  });

  it("fails closed when the run asked for a transaction and none is open", () => {
    expect(() => executorFor(owner(), nodeContext({ transaction: true }))).toThrow(TransactionError);
  });

  it("hands a live signal to the pool and to a connection that can cancel, never a signal that cannot abort", async () => {
    const db = owner();
    const controller = new AbortController();
    expect(await labelOf(executorFor(db, nodeContext({}, controller.signal)))).toBe("pool+signal");
    expect(db.pools).toEqual([controller.signal]);
    const cancellable: SessionTransaction = {
      executor: { ...executor("conn"), withSignal: (signal: AbortSignal) => executor(signal === controller.signal ? "conn+signal" : "wrong") } as SqlExecutor,
      options: {},
      savepoints: 0,
    };
    pin(db, cancellable);
    expect(await labelOf(executorFor(db, nodeContext({}, controller.signal)))).toBe("conn+signal");
    expect(await labelOf(executorFor(db, nodeContext()))).toBe("conn");
    pin(db, undefined);
  });

  it("never reads the node's signal for a driver that cannot cancel (reading it creates a multi-node run's controller)", async () => {
    const db = owner(false);
    let reads = 0;
    const ctx = {
      run: { state: new Map(), options: {} } as unknown as RunContext,
      get signal() {
        reads++;
        return new AbortController().signal;
      },
    } as unknown as NodeContext;
    expect(await labelOf(executorFor(db, ctx))).toBe("pool");
    pin(db, tx("pinned"));
    expect(await labelOf(executorFor(db, ctx))).toBe("pinned");
    pin(db, undefined);
    expect(reads).toBe(0);
    expect(db.pools).toEqual([undefined]);
  });
});
