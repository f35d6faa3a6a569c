import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ClosedError } from "@dataflow/kernel";
import { SqliteAdapter } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "df-sqlite-close-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a closed SqliteAdapter never reopens its file", () => {
  it("query, acquire and handle fail with ClosedError and the file is not recreated", async () => {
    const file = join(dir, "app.db");
    const adapter = new SqliteAdapter(`sqlite://${file}`);
    await adapter.connect();
    await adapter.query("CREATE TABLE t (x INTEGER)", []);
    await adapter.close();
    rmSync(file);
    await expect(adapter.query("INSERT INTO t VALUES (1)", [])).rejects.toBeInstanceOf(ClosedError);
    await expect(adapter.acquire()).rejects.toBeInstanceOf(ClosedError);
    expect(() => adapter.handle).toThrow(ClosedError);
    await expect(adapter.connect()).rejects.toBeInstanceOf(ClosedError);
    expect((await adapter.healthCheck()).ok).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});
