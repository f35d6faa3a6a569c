// One entry point for the README's commands on a machine with only Node.js and npm:
// finds or installs pnpm 10, installs dependencies (frozen lockfile), builds, then runs the task.
//   node scripts/setup.mjs                 install + build
//   node scripts/setup.mjs quickstart      ... then run examples/quickstart
//   node scripts/setup.mjs test            ... then every package's tests, and a summary line
//   node scripts/setup.mjs bench [args]    ... then the benchmarks
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

const root = resolve(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const PNPM_VERSION = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
const [task, ...rest] = process.argv.slice(2);

function fail(message) {
  console.error(`\n[setup] ${message}`);
  process.exit(1);
}

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node.js >= 20.19 is required (this is ${process.version}).`);

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
if (!env.npm_config_nodedir && existsSync("/usr/include/node/node.h")) env.npm_config_nodedir = "/usr";

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", ...options });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  return result.status ?? 1;
}

function pnpmMajor(command) {
  const r = spawnSync(command, ["--version"], { env, encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim().split(".")[0]) : undefined;
}

function findPnpm() {
  if (pnpmMajor("pnpm") === Number(PNPM_VERSION.split(".")[0])) return "pnpm";
  const toolDir = join(root, ".tools");
  const local = join(toolDir, "node_modules", ".bin", "pnpm");
  if (!existsSync(local) || pnpmMajor(local) === undefined) {
    console.log(`[setup] installing pnpm ${PNPM_VERSION} into .tools/ (no global install needed)`);
    const status = run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", toolDir, `pnpm@${PNPM_VERSION}`]);
    if (status !== 0) fail("installing pnpm with npm failed");
  }
  env.PATH = `${join(toolDir, "node_modules", ".bin")}${delimiter}${env.PATH ?? ""}`;
  return local;
}

const pnpm = findPnpm();
const frozen = env.CI === "true" || existsSync(join(root, "pnpm-lock.yaml"));
if (run(pnpm, ["install", ...(frozen ? ["--frozen-lockfile"] : []), "--reporter=append-only"]) !== 0) fail("pnpm install failed");
if (run(pnpm, ["exec", "turbo", "run", "build", "--output-logs=errors-only"]) !== 0) fail("the build failed");

function summarizeTests() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const dir of ["packages", "examples"]) {
    const base = join(root, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, ".vitest-results.json");
      if (!existsSync(file)) continue;
      const report = JSON.parse(readFileSync(file, "utf8"));
      passed += report.numPassedTests ?? 0;
      failed += report.numFailedTests ?? 0;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    }
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

let status = 0;
switch (task) {
  case undefined:
    break;
  case "quickstart":
    status = run(pnpm, ["--filter", "@dataflow/example-quickstart", "start", ...rest]);
    break;
  case "test": {
    for (const dir of ["packages", "examples"]) {
      const base = join(root, dir);
      if (existsSync(base)) for (const name of readdirSync(base)) rmSync(join(base, name, ".vitest-results.json"), { force: true });
    }
    status = run(pnpm, ["exec", "turbo", "run", "test", "--concurrency=1", "--output-logs=full", ...rest]);
    const failedTests = summarizeTests();
    if (status === 0 && failedTests > 0) status = 1;
    break;
  }
  case "bench":
    status = run(pnpm, ["--filter", "@dataflow/bench", "start", ...rest]);
    break;
  default:
    fail(`unknown task '${task}' (quickstart, test, bench)`);
}
process.exit(status);
