// `pnpm start` end to end on a throwaway SQLite file: every step of the walkthrough succeeds and
// prints what the README shows.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");

it("the walkthrough pulls, finds no changes, baselines, then generates, applies and checks a migration on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "dataflow-existing-"));
  try {
    const tsx = createRequire(join(here, "package.json")).resolve("tsx/cli");
    const r = spawnSync(process.execPath, [tsx, "src/walkthrough.ts"], {
      cwd: here,
      env: { ...process.env, DATABASE_URL: `sqlite://${join(dir, "shop.db")}` },
      encoding: "utf8",
    });
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toContain("wrote 3 models to ./src/models.ts");
    expect(out).toContain("No changes: the models match the database; nothing written.");
    expect(out).toMatch(/migrations\/\d{14}_baseline \(2 step\(s\), with down\.sql\)/);
    expect(out).toContain('ALTER TABLE "books" ADD COLUMN "isbn" TEXT;');
    expect(out).toMatch(/applied {2}\d{14}_add_book_isbn {2}\d{4}-/);
    expect(out).toContain("ok: 2 migration(s) applied, no drift");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
