import type { BaseAdapter, Plugin } from "../src/plugin-api.js";
import { DataFlow } from "../src/index.js";
import { definePlugin } from "../src/plugin-api.js";

/** An adapter that owns no database: enough for declaring models and resolving node types. */
class DeclarationOnlyAdapter implements BaseAdapter {
  readonly adapterType = "test";
  readonly databaseType = "none";
  readonly capabilities = { transactions: false, savepoints: false, returning: false, upsert: false, json: false, vector: false, streaming: false };
  closed = false;
  async connect() {}
  async close() {
    this.closed = true;
  }
  async healthCheck() {
    return { ok: true, latencyMs: 0 };
  }
  async ensureSchema() {}
  stats() {
    return { connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} };
  }
}

export const declarationOnly: Plugin = definePlugin({
  name: "declaration-only",
  kernel: "^1",
  adapters: [{ schemes: ["test"], create: () => new DeclarationOnlyAdapter() }],
  modelNodes: (model) =>
    (["Create", "List"] as const).map((op) => ({
      type: model.nodeType(op),
      aliases: [`${model.qualifiedName}${op}Node`],
      params: op === "Create" ? { data: { type: "object", required: true } } : { filter: { type: "object" } },
      run: () => ({ result: op }),
    })),
});

export function testDataFlow(namespace?: string): DataFlow {
  return new DataFlow({ url: "test://", plugins: [declarationOnly], ...(namespace ? { namespace } : {}) });
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What `fn` throws; fails the test when it returns. */
export function caught(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
