import { tracingChannel } from "node:diagnostics_channel";
import { describe, expect, it } from "vitest";
import type { NodeDefinition } from "../src/index.js";
import type { RunContext } from "../src/plugin-api.js";
import { AbortError, DataFlow, LocalRuntime, ValidationError, WorkflowBuilder, WorkflowExecutionError, defineNode } from "../src/index.js";
import { definePlugin } from "../src/plugin-api.js";
import { deferred } from "./fixtures.js";

const echo = defineNode<{ value?: unknown; data?: unknown }>({
  type: "Echo",
  params: { value: {}, data: { type: "object" } },
  run: (params) => ({ result: params }),
});

async function captured(promise: Promise<unknown>): Promise<WorkflowExecutionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowExecutionError);
  return error as WorkflowExecutionError;
}

describe("LocalRuntime", () => {
  it("passes outputs along dotted connections without mutating static params", async () => {
    const staticData = { data: { name: "x", nested: { keep: true } } };
    const wf = new WorkflowBuilder()
      .addNode(echo, "src", { value: { id: 42 } })
      .addNode(echo, "dst", staticData)
      .addConnection("src", "result.value.id", "dst", "data.nested.user_id")
      .build();
    const { results } = await new LocalRuntime().execute(wf);
    expect(results.dst.result.data).toEqual({ name: "x", nested: { keep: true, user_id: 42 } });
    expect(staticData.data.nested).toEqual({ keep: true });
  });

  it("runtime parameters override static and connected values", async () => {
    const wf = new WorkflowBuilder()
      .addNode(echo, "a", { value: 1 })
      .addNode(echo, "b", { value: "static" })
      .addConnection("a", "result.value", "b", "value")
      .build();
    const runtime = new LocalRuntime();
    expect((await runtime.execute(wf)).results.b.result.value).toBe(1);
    expect((await runtime.execute(wf, { parameters: { b: { value: "runtime" } } })).results.b.result.value).toBe("runtime");
    await expect(runtime.execute(wf, { parameters: { nope: {} } })).rejects.toThrow(/'nope' is not a node/);
    const bad = await captured(runtime.execute(wf, { parameters: { b: { valu: 1 } } }));
    expect(bad.cause).toBeInstanceOf(Error);
    expect((bad.cause as Error).message).toMatch(/unknown parameter 'valu'/);
  });

  it("connected params and run parameters merge into one params object per run; the caller's objects stay as they were", async () => {
    const flat = new WorkflowBuilder()
      .addNode(echo, "a", { value: 1 })
      .addNode(echo, "b", { value: "static", data: { s: 1 } })
      .addConnection("a", "result.value", "b", "value")
      .build();
    const runtime = new LocalRuntime();
    const given = { data: { r: 2 } };
    const other = (await runtime.execute(flat, { parameters: { b: given } })).results.b.result;
    expect(other).toEqual({ value: 1, data: { r: 2 } });
    expect(other).not.toBe(given);
    expect(given).toEqual({ data: { r: 2 } });
    const both = { value: "run", data: { r: 3 } };
    expect((await runtime.execute(flat, { parameters: { b: both } })).results.b.result).toEqual({ value: "run", data: { r: 3 } });
    expect(both).toEqual({ value: "run", data: { r: 3 } });
    // A nested connection into a param that the run's parameters give: the run's value replaces it whole.
    const nested = new WorkflowBuilder()
      .addNode(echo, "a", { value: 7 })
      .addNode(echo, "b", { data: { keep: true } })
      .addConnection("a", "result.value", "b", "data.id")
      .build();
    expect((await runtime.execute(nested)).results.b.result).toEqual({ data: { keep: true, id: 7 } });
    expect((await runtime.execute(nested, { parameters: { b: { data: { r: 1 } } } })).results.b.result).toEqual({ data: { r: 1 } });
    expect((await runtime.execute(nested, { parameters: { b: { value: 2 } } })).results.b.result).toEqual({ value: 2, data: { keep: true, id: 7 } });
    // A connection without a value fails the run even when the run's parameters give its param.
    const missing = new WorkflowBuilder().addNode(echo, "a", { value: 1 }).addNode(echo, "b").addConnection("a", "result.missing", "b", "value").build();
    const error = await captured(runtime.execute(missing, { parameters: { b: { value: 3 } } }));
    expect(error.nodeId).toBe("b");
    expect(error.cause).toBeInstanceOf(ValidationError);
  });

  it("a connection whose source has no value there fails the run", async () => {
    const wf = new WorkflowBuilder().addNode(echo, "a", { value: 1 }).addNode(echo, "b").addConnection("a", "result.missing", "b", "value").build();
    const error = await captured(new LocalRuntime().execute(wf));
    expect(error.nodeId).toBe("b");
    expect(error.cause).toBeInstanceOf(ValidationError);
  });

  it("runs independent nodes concurrently, bounded by maxConcurrency", async () => {
    let inFlight = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, () => deferred());
    const started: number[] = [];
    const gated = defineNode<{ i: number }>({
      type: "Gated",
      params: { i: { type: "integer", required: true } },
      async run({ i }) {
        inFlight++;
        peak = Math.max(peak, inFlight);
        started.push(i);
        await gates[i]!.promise;
        inFlight--;
        return { result: i };
      },
    });
    const builder = new WorkflowBuilder();
    for (let i = 0; i < 6; i++) builder.addNode(gated, `n${i}`, { i });
    const run = new LocalRuntime({ maxConcurrency: 3 }).execute(builder.build());
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(3);
    for (const g of gates) g.resolve();
    const { results } = await run;
    expect(Object.keys(results).sort()).toEqual(["n0", "n1", "n2", "n3", "n4", "n5"]);
    expect(peak).toBe(3);
  });

  it("a failing node fails the run with nodeId, cause and the finished results; running siblings see the abort", async () => {
    const siblingSignal = deferred<AbortSignal>();
    const hold = deferred();
    const slow = defineNode({
      type: "Slow",
      params: {},
      async run(_p, ctx) {
        siblingSignal.resolve(ctx.signal);
        await hold.promise;
        return { result: "late" };
      },
    });
    const boom = defineNode({
      type: "Boom",
      params: {},
      async run() {
        await siblingSignal.promise;
        throw new ValidationError("bad thing", { field: "x" });
      },
    });
    const wf = new WorkflowBuilder()
      .addNode(echo, "first", { value: 1 })
      .addNode(slow, "slow")
      .addNode(boom, "boom")
      .addDependency("first", "slow")
      .addDependency("first", "boom")
      .addNode(echo, "never", { value: 2 })
      .addDependency("boom", "never")
      .build();
    const running = new LocalRuntime().execute(wf);
    const signal = await siblingSignal.promise;
    await new Promise((r) => setImmediate(r));
    expect(signal.aborted).toBe(true);
    hold.resolve();
    const error = await captured(running);
    expect(error.nodeId).toBe("boom");
    expect(error.cause).toBeInstanceOf(ValidationError);
    expect(Object.keys(error.results)).toEqual(["first"]);
    expect(error.message).toMatch(/Node 'boom' failed: bad thing/);
  });

  it("a node that first asks for ctx.signal after a sibling failed gets it aborted, with the failure as reason", async () => {
    const failed = deferred();
    const seen = deferred<AbortSignal>();
    const late = defineNode({
      type: "Late",
      params: {},
      async run(_p, ctx) {
        await failed.promise;
        await new Promise((r) => setImmediate(r));
        seen.resolve(ctx.signal);
        return { result: "late" };
      },
    });
    const boom = defineNode({
      type: "Boom2",
      params: {},
      run() {
        failed.resolve();
        throw new ValidationError("bad thing", { field: "x" });
      },
    });
    const wf = new WorkflowBuilder().addNode(late, "late").addNode(boom, "boom").build();
    const error = await captured(new LocalRuntime().execute(wf));
    expect(error.nodeId).toBe("boom");
    const signal = await seen.promise;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(error);
  });

  it("the caller's AbortSignal stops the run with an AbortError", async () => {
    const entered = deferred();
    const waiter = defineNode({
      type: "Waiter",
      params: {},
      run: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          entered.resolve();
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
        }),
    });
    const controller = new AbortController();
    const wf = new WorkflowBuilder().addNode(waiter, "w").addNode(echo, "after", { value: 1 }).addDependency("w", "after").build();
    const run = new LocalRuntime().execute(wf, { signal: controller.signal });
    await entered.promise;
    controller.abort(new Error("user cancelled"));
    const error = await captured(run);
    expect(error.nodeId).toBe("w");
    expect(error.cause).toBeInstanceOf(AbortError);
    const already = await captured(new LocalRuntime().execute(wf, { signal: AbortSignal.abort() }));
    expect(already.cause).toBeInstanceOf(AbortError);
  });

  it("ignores execute options inherited from a polluted Object.prototype", async () => {
    const seen: Array<string | undefined> = [];
    const probe = defineNode({ type: "Probe", params: {}, run: (_p, ctx) => (seen.push(ctx.tenantId), { result: true }) });
    const proto = Object.prototype as Record<string, unknown>;
    proto.tenantId = "evil";
    try {
      await new LocalRuntime().execute(new WorkflowBuilder().addNode(probe, "p").build());
      await new LocalRuntime().execute(new WorkflowBuilder().addNode(probe, "p").build(), { tenantId: "acme" });
    } finally {
      delete proto.tenantId;
    }
    expect(seen).toEqual([undefined, "acme"]);
  });

  it("a single node's sync output, sync throw, thenable and rejection all settle the run", async () => {
    const runtime = new LocalRuntime();
    const sync = new WorkflowBuilder().addNode(echo, "a", { value: 1 }).build();
    expect((await runtime.execute(sync)).results).toEqual({ a: { result: { value: 1 } } });
    const thenable = defineNode({ type: "Thenable", params: {}, run: () => ({ then: (ok: (v: unknown) => void) => ok({ result: "later" }) }) as never });
    expect((await runtime.execute(new WorkflowBuilder().addNode(thenable, "t").build())).results).toEqual({ t: { result: "later" } });
    const throws = defineNode({
      type: "Throws",
      params: {},
      run: () => {
        throw new ValidationError("bad");
      },
    });
    const thrown = await captured(runtime.execute(new WorkflowBuilder().addNode(throws, "x").build()));
    expect([thrown.nodeId, thrown.cause]).toEqual(["x", expect.any(ValidationError)]);
    const rejects = defineNode({ type: "Rejects", params: {}, run: () => Promise.reject(new ValidationError("later bad")) });
    const rejected = await captured(runtime.execute(new WorkflowBuilder().addNode(rejects, "r").build()));
    expect([rejected.nodeId, (rejected.cause as Error).message]).toEqual(["r", "later bad"]);
  });

  it("nodes that answer synchronously run in order without promise steps; a sync throw stops the run before its dependents", async () => {
    const runtime = new LocalRuntime();
    const seen: string[] = [];
    const add = defineNode<{ value: number }>({
      type: "Add",
      params: { value: { type: "number", required: true } },
      run: (params, ctx) => (seen.push(ctx.nodeId), { result: params.value + 1 }),
    });
    const chain = new WorkflowBuilder()
      .addNode(add, "a", { value: 1 })
      .addNode(add, "b", {})
      .addNode(add, "c", {})
      .addConnection("a", "result", "b", "value")
      .addConnection("b", "result", "c", "value")
      .addNode(echo, "d", { value: 0 })
      .build();
    const { results } = await runtime.execute(chain);
    expect(results).toEqual({ a: { result: 2 }, b: { result: 3 }, c: { result: 4 }, d: { result: { value: 0 } } });
    expect(seen).toEqual(["a", "b", "c"]);
    const throws = defineNode({
      type: "ThrowsSync",
      params: {},
      run: () => {
        throw new ValidationError("sync bad");
      },
    });
    seen.length = 0;
    const failing = new WorkflowBuilder()
      .addNode(add, "a", { value: 1 })
      .addNode(throws, "x")
      .addNode(add, "after", { value: 5 })
      .addDependency("x", "after")
      .build();
    const error = await captured(runtime.execute(failing));
    expect([error.nodeId, (error.cause as Error).message, Object.keys(error.results)]).toEqual(["x", "sync bad", ["a"]]);
    expect(seen).toEqual(["a"]);
  });

  it("run parameters are merged over the static params; parameters that give them all reach the node with the same values", async () => {
    const runtime = new LocalRuntime();
    const got: unknown[] = [];
    const probe = defineNode({ type: "ParamProbe", params: { a: {}, b: {} }, run: (params) => (got.push({ ...params }), { result: true }) });
    const wf = new WorkflowBuilder().addNode(probe, "p", { a: 1, b: 2 }).build();
    await runtime.execute(wf, { parameters: { p: { b: 3 } } });
    await runtime.execute(wf, { parameters: { p: { b: 4, a: 5 } } });
    await runtime.execute(wf, {
      parameters: {
        p: new (class {
          a = 6;
          b = 7;
        })() as unknown as Record<string, unknown>,
      },
    });
    await runtime.execute(wf);
    expect(got).toEqual([
      { a: 1, b: 3 },
      { b: 4, a: 5 },
      { a: 6, b: 7 },
      { a: 1, b: 2 },
    ]);
    const undefinedGiven = await captured(runtime.execute(wf, { parameters: { p: { a: undefined, b: 1 } } }));
    expect(undefinedGiven.cause).toBeInstanceOf(ValidationError);
    expect((undefinedGiven.cause as ValidationError).field).toBe("a");
  });

  it("run parameters inherited from a polluted Object.prototype are neither checked nor used", async () => {
    const runtime = new LocalRuntime();
    const wf = new WorkflowBuilder().addNode(echo, "a", { value: 1 }).build();
    const proto = Object.prototype as Record<string, unknown>;
    Object.defineProperty(proto, "a", { value: { value: "evil" }, configurable: true, writable: true, enumerable: true });
    Object.defineProperty(proto, "nope", { value: { value: "evil" }, configurable: true, writable: true, enumerable: true });
    try {
      expect((await runtime.execute(wf, { parameters: {} })).results).toEqual({ a: { result: { value: 1 } } });
      expect((await runtime.execute(wf, { parameters: { a: { value: 2 } } })).results).toEqual({ a: { result: { value: 2 } } });
    } finally {
      delete proto.a;
      delete proto.nope;
    }
  });

  it("every run has its own runId", async () => {
    const wf = new WorkflowBuilder().addNode(echo, "a", { value: 1 }).build();
    const runtime = new LocalRuntime();
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await runtime.execute(wf)).runId);
    expect(ids.size).toBe(20);
  });

  it("plugin run hooks see the start and the outcome; exclusive mode runs one node at a time", async () => {
    const events: string[] = [];
    let inFlight = 0;
    let peak = 0;
    const track = defineNode({
      type: "Track",
      params: {},
      async run() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return { result: true };
      },
    });
    const exclusive = defineNode({ type: "Exclusive", params: {}, run: (_p, ctx) => (ctx.run.enterExclusive(), { result: true }) });
    const plugin = definePlugin({
      name: "hooks",
      kernel: "^1",
      adapters: [
        {
          schemes: ["hooks"],
          create: () => ({
            adapterType: "t",
            databaseType: "none",
            capabilities: {} as never,
            connect: async () => {},
            close: async () => {},
            healthCheck: async () => ({ ok: true, latencyMs: 0 }),
            stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
            ensureSchema: async () => {},
          }),
        },
      ],
      nodes: () => [track as NodeDefinition, exclusive as NodeDefinition],
      runHooks: {
        begin: (run: RunContext) => void events.push(`begin:${run.tenantId}`),
        end: (_run: RunContext, error: unknown) => void events.push(error ? "end:failed" : "end:ok"),
      },
    });
    const db = new DataFlow({ url: "hooks://", plugins: [plugin] });
    try {
      const b = new WorkflowBuilder().addNode("Exclusive", "x");
      for (let i = 0; i < 4; i++) b.addNode("Track", `t${i}`).addDependency("x", `t${i}`);
      await new LocalRuntime({ dataflow: db }).execute(b.build(), { tenantId: "acme" });
      expect(peak).toBe(1);
      expect(events).toEqual(["begin:acme", "end:ok"]);
    } finally {
      await db.close();
    }
  });

  it("publishes node runs on the dataflow:node tracing channel", async () => {
    const seen: string[] = [];
    const handlers = {
      start: (ctx: { nodeId: string }) => void seen.push(`start:${ctx.nodeId}`),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: (ctx: { nodeId: string }) => void seen.push(`end:${ctx.nodeId}`),
      error: () => {},
    };
    const channel = tracingChannel("dataflow:node");
    channel.subscribe(handlers as never);
    try {
      await new LocalRuntime().execute(new WorkflowBuilder().addNode(echo, "traced", { value: 1 }).build());
    } finally {
      channel.unsubscribe(handlers as never);
    }
    expect(seen).toEqual(["start:traced", "end:traced"]);
    const runs: string[] = [];
    const runHandlers = { start: () => {}, end: () => {}, asyncStart: () => {}, asyncEnd: (c: { runId: string }) => void runs.push(c.runId), error: () => {} };
    const runChannel = tracingChannel("dataflow:run");
    runChannel.subscribe(runHandlers as never);
    try {
      const { runId } = await new LocalRuntime().execute(new WorkflowBuilder().addNode(echo, "traced", { value: 1 }).build());
      expect(runs).toEqual([runId]);
    } finally {
      runChannel.unsubscribe(runHandlers as never);
    }
  });
});
