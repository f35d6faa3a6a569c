// `run(argv, commands, cwd)` as a host program calls it: `pull -o` writes relative to the given
// cwd, not the process's working directory.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { builtinCommands, run } from "../src/index.js";
import { connect } from "./support/targets.js";

describe("pull -o with run()'s cwd", () => {
  const dir = mkdtempSync(join(tmpdir(), "dataflow-pull-cwd-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the module under the cwd given to run(), not process.cwd()", async () => {
    const url = `sqlite://${join(dir, "app.db")}`;
    const c = await connect(url);
    try {
      await c.adapter.query("CREATE TABLE notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)", []);
    } finally {
      await c.close();
    }
    expect(process.cwd()).not.toBe(dir);
    const code = await run(["node", "dataflow", "pull", "--url", url, "-o", "pulled.ts", "--quiet"], builtinCommands, dir);
    expect(code).toBe(0);
    expect(readFileSync(join(dir, "pulled.ts"), "utf8")).toContain(`table: "notes"`);
    expect(existsSync(join(process.cwd(), "pulled.ts"))).toBe(false);
  });
});
