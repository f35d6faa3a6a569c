import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DataFlow, PluginError } from "../src/index.js";
import type { BaseAdapter } from "../src/plugin-api.js";
import { definePlugin, maskCredentials, maskUrl } from "../src/plugin-api.js";

describe("plugins and URLs", () => {
  it("checks the kernel contract range", () => {
    expect(() => definePlugin({ name: "old", kernel: "^2" })).toThrow(PluginError);
    expect(() => definePlugin({ name: "ok", kernel: "^1" })).not.toThrow();
    expect(() => definePlugin({ name: "ok", kernel: ">=1.0.0" })).not.toThrow();
    expect(() => definePlugin({ name: "", kernel: "^1" })).toThrow(/needs a name/);
  });

  it("unknown schemes and missing first-party packages fail with the fix", () => {
    expect(() => new DataFlow("gopher://x")).toThrow(/No adapter is registered for the URL scheme 'gopher:'/);
    // In a child process without pnpm's NODE_PATH, which in this workspace reaches every first-party package.
    const child = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `
      const { DataFlow } = await import(${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)});
      try { new DataFlow("mongodb://user:pw@localhost/db"); console.log("constructed"); } catch (e) { console.log(e.message, e.fix); }
    `,
      ],
      { cwd: tmpdir(), env: { PATH: process.env.PATH ?? "" }, encoding: "utf8" },
    );
    expect(child.stdout).toMatch(/needs the package @dataflow\/document-mongo.*npm install @dataflow\/document-mongo/s);
    expect(child.stdout).not.toContain("pw");
    expect(() => new DataFlow("nothing")).toThrow(/no scheme/);
  });

  it("masks credentials in URLs and messages", () => {
    expect(maskCredentials("connect to postgresql://app:s3cr3t@db:5432/x failed")).toBe("connect to postgresql://app:***@db:5432/x failed");
    expect(maskCredentials("host=db password=hunter2 user=x")).toBe("host=db password=*** user=x");
    expect(maskUrl("mysql://root:p%40ss@h/db?password=x")).not.toMatch(/p%40ss|password=x/);
    expect(maskUrl("postgres://u:@:/")).not.toContain(":@:");
  });
});

describe("errors", () => {
  it("instanceof works for errors thrown by another copy of the kernel", async () => {
    const { TransactionError, ValidationError, DataFlowError, UniqueViolationError } = await import("../src/index.js");
    const fromOtherCopy = Object.assign(new Error("locked"), { [Symbol.for("@dataflow/kernel:error-kinds")]: ["TransactionError", "DataFlowError"] });
    expect(fromOtherCopy).toBeInstanceOf(TransactionError);
    expect(fromOtherCopy).toBeInstanceOf(DataFlowError);
    expect(fromOtherCopy).not.toBeInstanceOf(ValidationError);
    const local = new UniqueViolationError("dup", ["email"]);
    expect(local).toBeInstanceOf(DataFlowError);
    expect(local).toBeInstanceOf(Error);
    expect(local).not.toBeInstanceOf(TransactionError);
    expect(new Error("plain")).not.toBeInstanceOf(DataFlowError);
  });
});

describe("db.transaction() and capabilities learned on connect", () => {
  it("connects before reading capabilities.transactions, so an adapter may learn it from the server", async () => {
    const caps = { transactions: false, savepoints: false, returning: false, upsert: false, json: true, vector: false, streaming: false };
    const calls: string[] = [];
    const adapter: BaseAdapter = {
      adapterType: "document",
      databaseType: "learns",
      get capabilities() {
        return caps;
      },
      connect: async () => {
        calls.push("connect");
        caps.transactions = true;
      },
      close: async () => {},
      healthCheck: async () => ({ ok: true, latencyMs: 0 }),
      stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
      ensureSchema: async () => {},
      transaction: async <T>(fn: () => Promise<T>) => {
        calls.push("transaction");
        return fn();
      },
    };
    const db = new DataFlow({
      url: "learns://x",
      plugins: [definePlugin({ name: "learns", kernel: "^1", adapters: [{ schemes: ["learns"], create: () => adapter }] })],
    });
    try {
      expect(await db.transaction(async () => 42)).toBe(42);
      expect(calls).toEqual(["connect", "transaction"]);
    } finally {
      await db.close();
    }
  });

  it("still refuses once connected when the adapter has no transactions", async () => {
    const adapter: BaseAdapter = {
      adapterType: "document",
      databaseType: "standalone",
      capabilities: { transactions: false, savepoints: false, returning: false, upsert: false, json: true, vector: false, streaming: false },
      connect: async () => {},
      close: async () => {},
      healthCheck: async () => ({ ok: true, latencyMs: 0 }),
      stats: () => ({ connections: { total: 0, idle: 0, waiting: 0 }, statements: 0, errors: {} }),
      ensureSchema: async () => {},
      transaction: async <T>(fn: () => Promise<T>) => fn(),
    };
    const db = new DataFlow({
      url: "standalone://x",
      plugins: [definePlugin({ name: "standalone", kernel: "^1", adapters: [{ schemes: ["standalone"], create: () => adapter }] })],
    });
    try {
      await expect(db.transaction(async () => 1)).rejects.toThrow(/standalone adapter does not support transactions/);
    } finally {
      await db.close();
    }
  });
});
