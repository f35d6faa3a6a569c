// A throwaway project folder (config, models module, migrations) and the built `dataflow` bin run
// in child processes against it, as a user's shell or CI would run it.
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = join(packageDir, "dist", "bin.js");

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves once a stderr line contains `text`. */
  waitFor(text: string): Promise<void>;
  /** What the process has printed on stderr so far. */
  stderr(): string;
  readonly done: Promise<CliResult>;
}

export class TestProject {
  readonly dir: string;

  constructor(
    readonly url: string,
    models: string,
    historyTable = "dataflow_migrations",
  ) {
    // Inside the package, so the models module resolves @dataflow/kernel and the config @dataflow/cli.
    this.dir = join(packageDir, ".tmp", `project-${randomBytes(6).toString("hex")}`);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(
      join(this.dir, "dataflow.config.ts"),
      `import { defineConfig } from "@dataflow/cli";\nexport default defineConfig({ models: "./models.ts", url: process.env.DATABASE_URL, migrations: "./migrations", historyTable: "${historyTable}" });\n`,
    );
    this.setModels(models);
  }

  /** The body of `(db) => { ... }` declaring the models; `field` is in scope. */
  setModels(body: string): void {
    writeFileSync(
      join(this.dir, "models.ts"),
      `import type { DataFlow } from "@dataflow/kernel";\nimport { field } from "@dataflow/kernel";\nexport default (db: DataFlow) => {\n${body}\n};\n`,
    );
  }

  get migrationsDir(): string {
    return join(this.dir, "migrations");
  }

  migrations(): string[] {
    try {
      return readdirSync(this.migrationsDir).sort();
    } catch {
      return [];
    }
  }

  read(id: string, file: "up.sql" | "down.sql" | "snapshot.json"): string {
    return readFileSync(join(this.migrationsDir, id, file), "utf8");
  }

  readFile(name: string): string {
    return readFileSync(join(this.dir, name), "utf8");
  }

  write(id: string, file: "up.sql" | "down.sql", sql: string): void {
    mkdirSync(join(this.migrationsDir, id), { recursive: true });
    writeFileSync(join(this.migrationsDir, id, file), sql);
  }

  /** Extra environment for the next runs (`NO_COLOR` is set unless overridden). */
  env: Record<string, string | undefined> = { NO_COLOR: "1" };

  start(...args: string[]): RunningCli {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: this.dir,
      env: { ...process.env, DATABASE_URL: this.url, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const waiters: { text: string; resolve: () => void }[] = [];
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      for (const w of [...waiters]) {
        if (stderr.includes(w.text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    const done = new Promise<CliResult>((resolve) => {
      child.on("close", (code, signal) => {
        resolve({ code, signal, stdout, stderr });
      });
    });
    const waitFor = (text: string) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void done.then((r) => reject(new Error(`the process ended before printing '${text}': ${r.stderr}${r.stdout}`)));
          });
    return { child, waitFor, stderr: () => stderr, done };
  }

  run(...args: string[]): Promise<CliResult> {
    return this.start(...args).done;
  }

  /** Runs with `--json` and parses stdout. */
  async json(...args: string[]): Promise<{ code: number | null; body: Record<string, any>; stderr: string }> {
    const r = await this.run(...args, "--json");
    let body: Record<string, any>;
    try {
      body = JSON.parse(r.stdout) as Record<string, any>;
    } catch {
      throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, body, stderr: r.stderr };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
