import { describe, expect, expectTypeOf, it } from "vitest";
import type { BaseAdapter, ListOperation, NodeContext, RowData, StreamRequest } from "../src/plugin-api.js";
import { AbortError, DataFlow, PluginError, ValidationError, field } from "../src/index.js";
import { definePlugin } from "../src/plugin-api.js";
import { testDataFlow } from "./fixtures.js";

/** An adapter whose stream yields the operation's filter back, so the test sees what reached it. */
class EchoAdapter implements BaseAdapter {
  readonly adapterType = "test";
  readonly databaseType = "echo";
  readonly capabilities = { transactions: false, savepoints: false, returning: false, upsert: false, json: false, vector: false, streaming: true };
  readonly calls: Array<{ op: ListOperation; ctx: NodeContext; request: StreamRequest }> = [];
  async connect() {}
  async close() {}
  async healthCheck() {
    return { ok: true, latencyMs: 0 };
  }
  async ensureSchema() {}
  stats() {
    return { connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} };
  }
  stream(op: ListOperation, ctx: NodeContext, request: StreamRequest): AsyncIterable<RowData> {
    this.calls.push({ op, ctx, request });
    return (async function* () {
      yield { id: 1, where: op.where.t };
      yield { id: 2, where: op.where.t };
    })();
  }
}

function echoFlow(middlewareSeen: string[] = []) {
  const adapter = new EchoAdapter();
  const db = new DataFlow({
    url: "echo://",
    plugins: [
      definePlugin({
        name: "echo",
        kernel: "^1",
        adapters: [{ schemes: ["echo"], create: () => adapter }],
        middleware: [
          (op, ctx, next) => {
            middlewareSeen.push(`${op.kind}:${ctx.tenantId ?? "-"}`);
            return next(op);
          },
        ],
      }),
    ],
  });
  return { db, adapter };
}

describe("db.stream", () => {
  it("types rows as the model's Row, narrowed by select; params are List's without paging", async () => {
    const { db } = echoFlow();
    const User = db.model("User", { name: field.string(), age: field.int().optional() });
    expectTypeOf(db.stream(User)).toEqualTypeOf<AsyncIterable<{ name: string; age: number | null; id: number; created_at: Date; updated_at: Date }>>();
    expectTypeOf(db.stream(User, { select: ["name"] })).toEqualTypeOf<AsyncIterable<{ name: string }>>();
    // @ts-expect-error limit is a paging param
    expect(() => db.stream(User, { limit: 1 })).toThrow(ValidationError);
    // @ts-expect-error unknown field in the filter
    expect(() => db.stream(User, { filter: { nope: 1 } })).toThrow(ValidationError);
    await db.close();
  });

  it("runs nothing until the first next(), then hands the List operation through the middleware to the adapter", async () => {
    const seen: string[] = [];
    const { db, adapter } = echoFlow(seen);
    const User = db.model("User", { name: field.string() }, { softDelete: true });
    const rows = db.stream(User, { filter: { name: "a" } }, { tenantId: "t1", batchSize: 7 });
    expect(adapter.calls).toHaveLength(0);
    const out: RowData[] = [];
    for await (const row of rows) out.push(row);
    expect(out).toEqual([
      { id: 1, where: "and" },
      { id: 2, where: "and" },
    ]);
    expect(seen).toEqual(["List:t1"]);
    expect(adapter.calls[0]!.request).toEqual({ batchSize: 7 });
    expect(adapter.calls[0]!.ctx.run.options.tenantId).toBe("t1");
    await db.close();
  });

  it("refuses paging params, unknown or ill-typed options and other instances' models, naming the field", async () => {
    const { db } = echoFlow();
    const User = db.model("User", { name: field.string() });
    const other = testDataFlow();
    const Foreign = other.model("Foreign", { name: field.string() });
    for (const [call, fieldName] of [
      [() => db.stream(User, { after: "x" } as never), "after"],
      [() => db.stream(User, {}, { batchSize: 1.5 }), "batchSize"],
      [() => db.stream(User, {}, { signal: {} as never }), "signal"],
      [() => db.stream(User, {}, { tenantId: 5 as never }), "tenantId"],
      [() => db.stream(User, {}, { nope: 1 } as never), "nope"],
      [() => db.stream(Foreign as never), "model"],
    ] as const) {
      expect(call).toThrow(ValidationError);
      expect(call).toThrow(expect.objectContaining({ field: fieldName }));
    }
    await other.close();
    await db.close();
  });

  it("an adapter without stream() is a PluginError; an aborted signal rejects before anything runs", async () => {
    const db = testDataFlow();
    const User = db.model("User", { name: field.string() });
    expect(() => db.stream(User)).toThrow(PluginError);
    await db.close();
    const { db: echo, adapter } = echoFlow();
    const Echo = echo.model("User", { name: field.string() });
    const controller = new AbortController();
    controller.abort();
    await expect(echo.stream(Echo, {}, { signal: controller.signal })[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(AbortError);
    expect(adapter.calls).toHaveLength(0);
    await echo.close();
  });
});
