import { ValidationError } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import { DEFAULT_SERVER_SELECTION_TIMEOUT_MS, resolveSettings } from "../src/index.js";

describe("resolveSettings()", () => {
  it("maps the pool options to the driver's and takes the database from the URL", () => {
    const s = resolveSettings("mongodb://u:p@db.example:27017/shop?authSource=admin", {
      pool: { max: 20, min: 2, idleTimeoutMs: 5000, acquireTimeoutMs: 3000, statementTimeoutMs: 1500 },
      connectTimeoutMs: 2000,
    });
    expect(s.databaseName).toBe("shop");
    expect(s.clientOptions).toMatchObject({
      maxPoolSize: 20,
      minPoolSize: 2,
      maxIdleTimeMS: 5000,
      waitQueueTimeoutMS: 3000,
      connectTimeoutMS: 2000,
      serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
      appName: "dataflow",
    });
    expect(s.statementTimeoutMs).toBe(1500);
  });

  it("leaves the URL's own settings to the driver and falls back to the driver's default database", () => {
    const s = resolveSettings("mongodb+srv://cluster0.example.net/?serverSelectionTimeoutMS=500&maxPoolSize=3");
    expect(s.clientOptions.serverSelectionTimeoutMS).toBeUndefined();
    expect(s.clientOptions.maxPoolSize).toBeUndefined();
    expect(s.databaseName).toBe("test");
    expect(resolveSettings("mongodb://h/x", { database: "other" }).databaseName).toBe("other");
  });

  it.each([
    [{ pool: { max: 0 } }, "pool.max"],
    [{ pool: { max: 2, min: 3 } }, "pool.min"],
    [{ pool: { idleTimeoutMs: -1 } }, "pool.idleTimeoutMs"],
    [{ serverSelectionTimeoutMs: 1.5 }, "serverSelectionTimeoutMs"],
    [{ database: "a/b" }, "database"],
  ])("refuses %j naming the field", (options, field) => {
    expect(() => resolveSettings("mongodb://h/x", options as never)).toThrow(ValidationError);
    try {
      resolveSettings("mongodb://h/x", options as never);
    } catch (e) {
      expect((e as ValidationError).field).toBe(field);
    }
  });

  it("refuses a URL without a host", () => {
    expect(() => resolveSettings("mongodb:///x")).toThrow(/needs a host/);
  });
});
