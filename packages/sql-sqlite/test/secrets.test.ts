import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { DataFlow, field } from "@dataflow/kernel";
import { runNode } from "@dataflow/testing";
import { describe, expect, it } from "vitest";

describe("SQLite: no credential is reachable by inspection", () => {
  it("a password-like URL parameter never shows in util.inspect or JSON.stringify of a DataFlow", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dataflow-secrets-"));
    const secret = "Vb3-sqlitepass-Qe8";
    const db = new DataFlow(`sqlite:${join(dir, "app.db")}?password=${secret}&token=${secret}`);
    try {
      const printed = () =>
        `${inspect(db, { depth: Infinity, showHidden: true })}\n${(() => {
          try {
            return JSON.stringify(db) ?? "";
          } catch {
            return "";
          }
        })()}`;
      expect(printed()).not.toContain(secret);
      db.model("Note", { text: field.text() });
      await runNode(db, "Note_Create", { data: { text: "hi" } });
      expect(printed()).not.toContain(secret);
      expect(printed()).toContain("app.db");
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
