import { DataFlow, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import postgres from "../src/index.js";
import { runNode } from "./support.js";

const res = await useTestDatabase("postgres");

/**
 * The packages a call passes between `LocalRuntime.execute` and the driver call, innermost first,
 * read from a stack trace (sync and `async` frames) captured inside `pg.Client.prototype.query`.
 */
function packagePath(stack: string): string[] {
  const frames = stack.split("\n").slice(1);
  const path: string[] = [];
  for (const frame of frames) {
    const pkg = /packages\/([a-z0-9-]+)\/(?:src|dist)\//.exec(frame)?.[1];
    if (pkg && path.at(-1) !== pkg) path.push(pkg);
    if (/LocalRuntime\./.test(frame)) break;
  }
  return path;
}

describe.skipIf(!res.ok)(`package boundaries of a User_Create on PostgreSQL${res.ok ? "" : ` [${res.reason}]`}`, () => {
  afterAll(async () => {
    if (res.ok) await res.db.dispose();
  });

  it("crosses package boundaries at most twice between LocalRuntime.execute and the pg driver call", async () => {
    const db = new DataFlow({ url: res.ok ? res.db.url : "", plugins: [postgres] });
    db.model("User", { name: field.string(), email: field.string() }, { table: `boundary_users_${process.pid}` });
    const original = pg.Client.prototype.query;
    const originalConnect = pg.Pool.prototype.connect;
    const stacks: string[] = [];
    const checkouts: string[] = [];
    const limit = Error.stackTraceLimit;
    try {
      await runNode(db, "User_Create", { data: { name: "warm", email: "w@x.io" } });
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      pg.Pool.prototype.connect = function (this: pg.Pool, ...args: unknown[]) {
        checkouts.push(new Error("pool checkout").stack ?? "");
        return (originalConnect as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof originalConnect;
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        stacks.push(new Error("driver call").stack ?? "");
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
      await runNode(db, "User_Create", { data: { name: "ada", email: "ada@x.io" } });
    } finally {
      pg.Client.prototype.query = original;
      pg.Pool.prototype.connect = originalConnect;
      Error.stackTraceLimit = limit;
      await db.close();
    }
    expect(stacks).toHaveLength(1);
    expect(checkouts).toHaveLength(1);
    // The checkout is where the statement reaches the driver; its stack is synchronous back to the
    // runtime (nothing has been awaited yet), so it shows every package the call passed through.
    for (const [what, stack] of [
      ["pool checkout", checkouts[0]!],
      ["Client.query", stacks[0]!],
    ] as const) {
      const full = packagePath(stack);
      // V8's async stack at Client.query lists only frames that awaited: the kernel's single-node path
      // returns the node's promise without awaiting it, so there the trace goes on to the caller
      // (the test harness). Only the packages between the runtime and the driver count.
      const cut = full.findIndex((p) => !["sql-postgres", "sql-core", "kernel"].includes(p));
      const path = what === "pool checkout" || cut === -1 ? full : full.slice(0, cut);
      console.log(`User_Create at ${what}: ${full.join(" <- ")} (${path.length - 1} crossings)`);
      expect(path[0]).toBe("sql-postgres");
      if (what === "pool checkout") expect(path.at(-1)).toBe("kernel");
      expect(path.length - 1).toBeLessThanOrEqual(2);
    }
  });
});
