import { tracingChannel } from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NodeContext } from "@dataflow/kernel";
import {
  AbortError,
  ClosedError,
  DataFlow,
  LocalRuntime,
  NotFoundError,
  UniqueViolationError,
  WorkflowBuilder,
  WorkflowExecutionError,
  defineNode,
  field,
} from "@dataflow/kernel";
import sqlitePlugin from "../src/index.js";
import type { SqliteAdapter } from "../src/index.js";

/**
 * better-sqlite3 runs statements synchronously, so a generated node whose statement needs no wait
 * answers with its result itself (the kernel then takes no promise step), and with a promise only
 * when it must wait (another transaction holds the connection), when statements are observed, or
 * when it fails (a rejected promise, never a throw).
 */

function setup() {
  const db = new DataFlow({ url: "sqlite::memory:", plugins: [sqlitePlugin] });
  const User = db.model("User", { name: field.string().unique(), score: field.int() }, { softDelete: true });
  const runtime = new LocalRuntime({ dataflow: db });
  /** Calls a generated node's `run` with a real node context (from inside a running probe node) and reports what it returned. */
  async function call(type: string, params: Record<string, unknown>): Promise<{ out: unknown; value: unknown; error: unknown }> {
    let out: unknown;
    const probe = defineNode({
      type: "SyncProbe",
      params: {},
      run: (_params, ctx: NodeContext) => {
        out = db.registry.get(type)!.run(params, ctx);
        return { done: true };
      },
    });
    await runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(probe, "probe", {}).build());
    try {
      return { out, value: await out, error: undefined };
    } catch (error) {
      return { out, value: undefined, error };
    }
  }
  return { db, User, runtime, call, adapter: db.adapter as unknown as SqliteAdapter };
}

let env: ReturnType<typeof setup>;
beforeEach(async () => {
  env = setup();
  await env.db.ensureModel(env.User);
});
afterEach(async () => {
  await env.db.close();
});

describe("SQLite generated nodes answer synchronously", () => {
  it("Create, Read, Update, Delete, List and Count return plain values, not promises", async () => {
    const { call } = env;
    const created = await call("User_Create", { data: { name: "ann", score: 1 } });
    expect(created.out).not.toBeInstanceOf(Promise);
    expect(created.value).toMatchObject({ result: { id: 1, name: "ann", score: 1 } });
    expect((created.value as { result: { created_at: unknown } }).result.created_at).toBeInstanceOf(Date);

    const read = await call("User_Read", { id: 1 });
    expect(read.out).not.toBeInstanceOf(Promise);
    expect(read.value).toMatchObject({ found: true, result: { id: 1, name: "ann" } });

    const updated = await call("User_Update", { id: 1, fields: { score: 5 } });
    expect(updated.out).not.toBeInstanceOf(Promise);
    expect(updated.value).toMatchObject({ result: { id: 1, score: 5 } });

    await call("User_Create", { data: { name: "bob", score: 2 } });
    const list = await call("User_List", { orderBy: "-score" });
    expect(list.out).not.toBeInstanceOf(Promise);
    expect(list.value).toMatchObject({ count: 2, result: [{ name: "ann" }, { name: "bob" }] });

    // The public API stays promise-returning.
    const pending = env.runtime.execute(new WorkflowBuilder({ dataflow: env.db }).addNode(env.User.nodes.Read, "read", { id: 1 }).build());
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).results.read).toMatchObject({ found: true, result: { name: "ann" } });

    const count = await call("User_Count", {});
    expect(count.out).not.toBeInstanceOf(Promise);
    expect(count.value).toEqual({ result: 2 });

    // Soft delete: a tombstone, and the row is gone from Read, List and Count (all still synchronous).
    const deleted = await call("User_Delete", { id: 1 });
    expect(deleted.out).not.toBeInstanceOf(Promise);
    expect(deleted.value).toEqual({ result: { id: 1, deleted: true } });
    const gone = await call("User_Read", { id: 1, raiseOnNotFound: false });
    expect(gone.out).not.toBeInstanceOf(Promise);
    expect(gone.value).toEqual({ result: null, found: false });
    expect((await call("User_Count", {})).value).toEqual({ result: 1 });
    expect(env.adapter.handle.prepare(`SELECT deleted_at FROM "users" WHERE id = 1`).get()).toMatchObject({ deleted_at: expect.any(String) });
  });

  it("a failure on the synchronous path is a rejected promise with the same typed error, never a throw", async () => {
    const { call, runtime, db, User } = env;
    await call("User_Create", { data: { name: "ann", score: 1 } });
    const duplicate = await call("User_Create", { data: { name: "ann", score: 2 } });
    expect(duplicate.out).toBeInstanceOf(Promise);
    expect(duplicate.error).toBeInstanceOf(UniqueViolationError);
    expect((duplicate.error as UniqueViolationError).field).toBe("name");

    const missing = await call("User_Read", { id: 99 });
    expect(missing.out).toBeInstanceOf(Promise);
    expect(missing.error).toBeInstanceOf(NotFoundError);

    // Through the runtime the error is the node's failure, as on the asynchronous path.
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Create, "create", { data: { name: "ann", score: 3 } }).build();
    const failed = await runtime.execute(wf).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(WorkflowExecutionError);
    expect((failed as WorkflowExecutionError).nodeId).toBe("create");
    expect((failed as WorkflowExecutionError).cause).toBeInstanceOf(UniqueViolationError);
    expect(db.adapter.stats().errors.UniqueViolationError).toBe(2);
  });

  it("an already-aborted signal still fails the run with AbortError", async () => {
    const { runtime, db, User } = env;
    const controller = new AbortController();
    controller.abort();
    const wf = new WorkflowBuilder({ dataflow: db }).addNode(User.nodes.Create, "create", { data: { name: "ann", score: 1 } }).build();
    const failed = await runtime.execute(wf, { signal: controller.signal }).catch((error: unknown) => error);
    expect((failed as WorkflowExecutionError).cause).toBeInstanceOf(AbortError);
    // A sibling's abort stops the next node of a multi-node run, which then writes nothing.
    const two = new WorkflowBuilder({ dataflow: db })
      .addNode(
        defineNode({
          type: "Stop",
          params: {},
          run: () => {
            controller2.abort();
            return { stopped: true };
          },
        }),
        "stop",
        {},
      )
      .addNode(User.nodes.Create, "create", { data: { name: "bob", score: 1 } })
      .addDependency("stop", "create")
      .build();
    const controller2 = new AbortController();
    const stopped = await runtime.execute(two, { signal: controller2.signal }).catch((error: unknown) => error);
    expect((stopped as WorkflowExecutionError).cause).toBeInstanceOf(AbortError);
    expect(env.adapter.handle.prepare(`SELECT count(*) AS n FROM "users"`).get()).toEqual({ n: 0 });
  });

  it("after the adapter closes, a node's run rejects with ClosedError and nothing reopens", async () => {
    const { call, adapter } = env;
    await adapter.close();
    const read = await call("User_Read", { id: 1 });
    expect(read.out).toBeInstanceOf(Promise);
    expect(read.error).toBeInstanceOf(ClosedError);
    expect(() => adapter.handle).toThrow(ClosedError);
  });
});

describe("SQLite generated nodes wait where they must", () => {
  it("while another transaction holds the connection, a Count returns a promise that resolves after the commit", async () => {
    const { db } = env;
    let began!: () => void;
    let finish!: () => void;
    const started = new Promise<void>((resolve) => (began = resolve));
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const tx = db.transaction(async () => {
      await env.adapter.query(
        `INSERT INTO "users" ("name", "score", "created_at", "updated_at") VALUES ('tx', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
        [],
      );
      began();
      await gate;
    });
    await started;
    let out: unknown;
    const probe = defineNode({
      type: "WaitProbe",
      params: {},
      run: (_params, ctx: NodeContext) => {
        out = db.registry.get("User_Count")!.run({}, ctx);
        return out;
      },
    });
    const pending = env.runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(probe, "count", {}).build());
    expect(out).toBeInstanceOf(Promise);
    expect(db.adapter.stats().connections.waiting).toBe(1);
    finish();
    await tx;
    // It ran after the commit: it sees the committed row, never an uncommitted one.
    expect((await pending).results.count).toEqual({ result: 1 });
  });

  it("inside db.transaction, nodes run on the transaction's connection, see its rows, and roll back with it", async () => {
    const { call, db } = env;
    const failure = new Error("roll back");
    const seen: unknown[] = [];
    await expect(
      db.transaction(async () => {
        const created = await call("User_Create", { data: { name: "tx", score: 1 } });
        const read = await call("User_Read", { filter: { name: "tx" } });
        seen.push(created.value, read.value);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(seen[1]).toMatchObject({ found: true, result: { name: "tx" } });
    expect((await call("User_Count", {})).value).toEqual({ result: 0 });
  });

  it("while statements are traced, a node takes the observed (asynchronous) path and every statement is traced", async () => {
    const { call } = env;
    const texts: string[] = [];
    const channel = tracingChannel("dataflow:query");
    const handlers = { start: (m: unknown) => texts.push((m as { text: string }).text) };
    channel.subscribe(handlers as never);
    try {
      const created = await call("User_Create", { data: { name: "ann", score: 1 } });
      expect(created.out).toBeInstanceOf(Promise);
      expect(created.value).toMatchObject({ result: { name: "ann" } });
      const read = await call("User_Read", { id: 1 });
      expect(read.out).toBeInstanceOf(Promise);
    } finally {
      channel.unsubscribe(handlers as never);
    }
    expect(texts.filter((t) => /^INSERT|^SELECT/.test(t))).toHaveLength(2);
    expect((await call("User_Read", { id: 1 })).out).not.toBeInstanceOf(Promise);
  });

  it("an Update by a filter that is not the key opens a transaction of its own: a promise, with the same result", async () => {
    const { call } = env;
    await call("User_Create", { data: { name: "ann", score: 1 } });
    const updated = await call("User_Update", { filter: { name: "ann" }, fields: { score: 9 } });
    expect(updated.out).toBeInstanceOf(Promise);
    expect(updated.value).toMatchObject({ result: { name: "ann", score: 9 } });
  });
});
