// Progress of `migrate apply` and `dataflow run` through the built bin: plain lines when stderr is
// not a terminal (a pipe, as in CI), bars when it is (a pseudo-terminal from util-linux `script`).
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { TestProject } from "./support/project.js";
import { sqliteTarget } from "./support/targets.js";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");
const ESC = "\u001b";
/** Select Graphic Rendition (colour, bold): what NO_COLOR forbids. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const ROWS = 30_000;

const target = sqliteTarget();
afterAll(() => target.dispose());

const hasScript = spawnSync("script", ["--version"], { encoding: "utf8" }).status === 0;

/** Runs the bin inside a pseudo-terminal (`script -qec`): stdout and stderr are a TTY, everything lands in one stream. */
function inTerminal(p: TestProject, env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = spawn("script", ["-qec", quoted, "/dev/null"], {
    cwd: p.dir,
    env: { ...process.env, DATABASE_URL: p.url, TERM: "xterm", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

function project(): TestProject {
  const tag = Math.random().toString(36).slice(2, 8);
  const p = new TestProject(target.url, `db.model("Reading", { sensor: field.string(), value: field.int() });`, `history_${tag}`);
  p.write("20260101000001_a", "up.sql", `CREATE TABLE a1_${tag} (id INTEGER);\nCREATE TABLE a2_${tag} (id INTEGER);\nCREATE TABLE a3_${tag} (id INTEGER);\n`);
  p.write("20260101000002_b", "up.sql", `CREATE TABLE b1_${tag} (id INTEGER);\nCREATE TABLE b2_${tag} (id INTEGER);\n`);
  const rows = Array.from({ length: ROWS }, (_, i) => ({ sensor: `s${i % 7}`, value: i }));
  writeFileSync(join(p.dir, "rows.json"), JSON.stringify({ data: rows }));
  return p;
}

describe("progress of long work", () => {
  let p: TestProject;
  beforeEach(() => {
    p = project();
    // Colour would be allowed: what keeps escape codes out is that stderr is not a terminal.
    p.env = { NO_COLOR: undefined };
    return () => p.dispose();
  });

  it("migrate apply, not on a terminal: one plain line per statement with statements done of total, no escape codes", async () => {
    const r = await p.run("migrate", "apply");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(ESC);
    expect(r.stderr.split("\n").filter(Boolean)).toEqual([
      "› applying 20260101000001_a (3 statements)",
      "› 20260101000001_a: statement 1/3 (file 1/2) — 0/5 statements",
      "› 20260101000001_a: statement 2/3 (file 1/2) — 1/5 statements",
      "› 20260101000001_a: statement 3/3 (file 1/2) — 2/5 statements",
      "› applying 20260101000002_b (2 statements)",
      "› 20260101000002_b: statement 1/2 (file 2/2) — 3/5 statements",
      "› 20260101000002_b: statement 2/2 (file 2/2) — 4/5 statements",
      "› 2 migrations — 5/5 statements, done",
    ]);
    expect(r.stdout).toContain("applied 20260101000002_b");
    const again = await p.run("migrate", "apply");
    expect(again.stderr).toBe("");
    expect(again.stdout).toContain("Nothing to apply");
  });

  it("--quiet shows no progress; --json keeps stdout one JSON document", async () => {
    const r = await p.run("migrate", "apply", "--quiet", "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).applied).toHaveLength(2);
  });

  it("dataflow run of a BulkCreate, not on a terminal: rows done of total as plain lines, ending with the finished report", async () => {
    const r = await p.run("run", "Reading_BulkCreate", "--input-file", "rows.json");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain(ESC);
    const lines = r.stderr.split("\n").filter(Boolean);
    const done = lines.map((line) => {
      const m = /^› BulkCreate Reading \(bulkCreate\) — (\d+)\/30000 rows(, done)?$/.exec(line);
      expect(m, line).not.toBeNull();
      return Number(m![1]);
    });
    expect(lines.at(-1)).toBe(`› BulkCreate Reading (bulkCreate) — ${ROWS}/${ROWS} rows, done`);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(JSON.parse(r.stdout).results).toBeDefined();
  });

  it.skipIf(!hasScript)(
    `on a terminal: migrate apply and dataflow run draw bars in place (cursor codes), without colour under NO_COLOR${hasScript ? "" : " (skipped: util-linux script is not installed)"}`,
    async () => {
      const apply = await inTerminal(p, { NO_COLOR: "1" }, "migrate", "apply");
      expect(apply.code, apply.output).toBe(0);
      expect(apply.output).toContain(`${ESC}[?25l`); // cursor hidden while drawing, shown again after
      expect(apply.output).toContain(`${ESC}[?25h`);
      expect(apply.output).toMatch(/2 migrations \[#{20}\] 5\/5 statements/);
      expect(apply.output).not.toMatch(SGR);
      // Not one plain progress line: the bar is redrawn in place.
      expect(apply.output).not.toContain("— 0/5 statements");

      const run = await inTerminal(p, { NO_COLOR: "1" }, "run", "Reading_BulkCreate", "--input-file", "rows.json");
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/BulkCreate Reading \(bulkCreate\) \[#{20}\] 30000\/30000 rows/);
      expect(run.output).toContain(`${ESC}[1G`);
      expect(run.output).not.toMatch(SGR);
    },
  );
});
