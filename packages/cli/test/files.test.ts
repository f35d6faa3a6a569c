import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MigrationDirectory, checksumOf } from "../src/migrations/files.js";
import { compareHistory } from "../src/migrations/history.js";
import type { HistoryRow } from "../src/migrations/history.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function directory(): MigrationDirectory {
  const d = mkdtempSync(join(tmpdir(), "dataflow-migrations-"));
  dirs.push(d);
  return new MigrationDirectory(d);
}
const snapshot = { format: 1 as const, dialect: "sqlite", tables: [] };

describe("MigrationDirectory", () => {
  it("orders ids after every existing one, even when the clock is behind", () => {
    const dir = directory();
    const now = new Date("2026-03-04T05:06:07Z");
    expect(dir.nextId("Add User Email!", now)).toBe("20260304050607_add_user_email");
    dir.write("20260304050607_a", { up: "SELECT 1;", down: undefined, snapshot });
    expect(dir.nextId("b", now)).toBe("20260304050608_b");
    dir.write("20261231235959_late", { up: "SELECT 1;", down: undefined, snapshot });
    expect(dir.nextId("c", now)).toBe("20270101000000_c");
    expect(() => dir.nextId("!!!", now)).toThrow(/has no letters or digits/);
  });

  it("checksums up.sql with normalized line endings and ignores foreign folders", () => {
    const dir = directory();
    dir.write("20260101000000_x", { up: "SELECT 1;\r\nSELECT 2;\r\n", down: "SELECT 3;", snapshot });
    writeFileSync(join(dir.path, "README.md"), "notes");
    const [file] = dir.list();
    expect(dir.list()).toHaveLength(1);
    expect(file?.checksum).toBe(checksumOf("SELECT 1;\nSELECT 2;\n"));
    expect(file?.down).toBe("SELECT 3;");
    expect(dir.lastSnapshot()).toEqual(snapshot);
  });
});

describe("compareHistory", () => {
  const row = (id: string, checksum: string, finished = true): HistoryRow => ({
    id,
    checksum,
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: finished ? "2026-01-01T00:00:01.000Z" : null,
    durationMs: finished ? 1000 : null,
    statementsDone: 1,
    statementsTotal: 2,
    error: null,
  });
  const file = (id: string, up: string) => ({ id, dir: id, up, down: undefined, checksum: checksumOf(up), snapshot: undefined });

  it("finds pending, edited, missing, out-of-order and interrupted migrations", () => {
    const files = [file("20260101000000_a", "A"), file("20260102000000_b", "B2"), file("20260103000000_early", "E"), file("20260105000000_d", "D")];
    const rows = [
      row("20260101000000_a", checksumOf("A")),
      row("20260102000000_b", checksumOf("B")),
      row("20260104000000_gone", checksumOf("G")),
      row("20260105000000_d", checksumOf("D"), false),
    ];
    const status = compareHistory(files, rows);
    expect(status.applied.map((a) => a.id)).toEqual(["20260101000000_a", "20260102000000_b", "20260104000000_gone"]);
    expect(status.tampered.map((t) => t.id)).toEqual(["20260102000000_b"]);
    expect(status.missing).toEqual(["20260104000000_gone"]);
    expect(status.pending).toEqual(["20260103000000_early"]);
    expect(status.outOfOrder).toEqual([{ id: "20260103000000_early", before: "20260104000000_gone" }]);
    expect(status.interrupted.map((r) => r.id)).toEqual(["20260105000000_d"]);
  });
});
