#!/usr/bin/env node
// Installs the packages as a user gets them and runs the quickstart, twice:
//   1. current: `pnpm pack` of kernel, sql-core and the three SQL dialects, `npm install` of those
//      tarballs (no workspace links, strict peer dependencies; third-party dependencies from the
//      registry) into a fresh npm project in a temp dir, then examples/quickstart on embedded SQLite;
//   2. upgrade: the same project with @dataflow/sql-sqlite replaced by its previous version, packed
//      from an earlier commit (`git archive`, built there), beside the current kernel and sql-core.
// The earlier commit is one whose sql-sqlite source differs from HEAD's (else nothing would be
// upgraded, and the check fails): $DATAFLOW_UPGRADE_FROM, else the plugin's newest release tag
// (@dataflow/sql-sqlite@x.y.z) with other source, else the newest commit whose plugin version is lower
// than now, else the state just before the newest change of the plugin's source (the first parent of
// the newest first-parent commit touching packages/sql-sqlite/src), within the current kernel peer range.
// Step 2 reuses step 1's node_modules, so better-sqlite3 is compiled once per run.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const PLUGIN = "@dataflow/sql-sqlite";
const PLUGIN_DIR = "packages/sql-sqlite";
const CURRENT = ["kernel", "sql-core", "sql-sqlite", "sql-postgres", "sql-mysql"];
const work = mkdtempSync(join(tmpdir(), "dataflow-install-"));
const env = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
delete env.DATABASE_URL;
delete env.NODE_PATH;
if (!env.npm_config_nodedir && existsSync("/usr/include/node/node.h")) env.npm_config_nodedir = "/usr";

function run(command, args, cwd, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${result.status}:\n${result.stdout ?? ""}${result.stderr ?? ""}`);
  }
  if (options.log !== false) console.log(`  ${command} ${args[0]} ... ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout ?? "";
}
const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
const packageJsonAt = (commit) => JSON.parse(git("show", `${commit}:${PLUGIN_DIR}/package.json`));

function pack(dir, destination) {
  const out = JSON.parse(run("pnpm", ["pack", "--json", "--pack-destination", destination], dir, { log: false }));
  return resolve(destination, (Array.isArray(out) ? out[0] : out).filename);
}

/** How many of the plugin's source files differ between `commit` and HEAD. */
const changedSources = (commit) => git("diff", "--name-only", commit, "HEAD", "--", `${PLUGIN_DIR}/src`).split("\n").filter(Boolean).length;

/** The commit whose plugin counts as "the previous version", and why; its source differs from HEAD's. */
function baseline() {
  if (env.DATAFLOW_UPGRADE_FROM) return { commit: git("rev-parse", `${env.DATAFLOW_UPGRADE_FROM}^{commit}`), why: "DATAFLOW_UPGRADE_FROM" };
  const tag = git("tag", "--list", "--sort=-v:refname", `${PLUGIN}@*`)
    .split("\n")
    .filter(Boolean)
    .find((t) => changedSources(git("rev-parse", `${t}^{commit}`)) > 0);
  if (tag) return { commit: git("rev-parse", `${tag}^{commit}`), why: `release tag ${tag}` };
  const current = JSON.parse(readFileSync(join(root, PLUGIN_DIR, "package.json"), "utf8"));
  const peer = current.peerDependencies["@dataflow/kernel"];
  for (const commit of git("log", "--format=%H", "HEAD", "--", `${PLUGIN_DIR}/package.json`).split("\n").filter(Boolean)) {
    const then = packageJsonAt(commit);
    if (then.peerDependencies?.["@dataflow/kernel"] !== peer) break;
    if (then.version !== current.version && changedSources(commit) > 0) {
      return { commit, why: `the last commit with ${PLUGIN} ${then.version} (now ${current.version})` };
    }
  }
  const change = git("log", "-1", "--first-parent", "--format=%H %s", "HEAD", "--", `${PLUGIN_DIR}/src`);
  if (!change) throw new Error(`no commit changes ${PLUGIN_DIR}/src; set DATAFLOW_UPGRADE_FROM to a commit to upgrade from`);
  const [changeCommit, ...subject] = change.split(" ");
  const before = git("rev-parse", `${changeCommit}^1`);
  const peerBefore = packageJsonAt(before).peerDependencies?.["@dataflow/kernel"];
  if (peerBefore !== peer) {
    throw new Error(
      `${PLUGIN} before ${changeCommit.slice(0, 12)} needs kernel ${peerBefore}, not ${peer}; set DATAFLOW_UPGRADE_FROM to a commit to upgrade from`,
    );
  }
  return {
    commit: before,
    why: `no release of ${PLUGIN} yet: the state before its newest source change, ${changeCommit.slice(0, 12)} "${subject.join(" ").slice(0, 60)}"`,
  };
}

/** Packs the plugin as it was at `commit`: the tree from `git archive`, installed without scripts, the plugin and its workspace dependencies built. */
function packAt(commit, destination) {
  const tree = join(work, "baseline");
  mkdirSync(tree);
  execFileSync("sh", ["-c", `git archive --format=tar ${commit} | tar -x -C "${tree}"`], { cwd: root });
  const rootName = JSON.parse(readFileSync(join(tree, "package.json"), "utf8")).name;
  run(
    "pnpm",
    ["install", "--frozen-lockfile", "--prefer-offline", "--ignore-scripts", "--filter", `${PLUGIN}...`, "--filter", rootName, "--reporter=silent"],
    tree,
  );
  run("pnpm", ["--filter", `${PLUGIN}...`, "run", "build"], tree);
  return pack(join(tree, PLUGIN_DIR), destination);
}

function quickstart(project, label) {
  const out = run(process.execPath, [join(project, "node_modules", "tsx", "dist", "cli.mjs"), "quickstart.ts"], project, { log: false });
  for (const expected of ["database: sqlite:", "count  -> 2", "total  -> 10001 users"]) {
    if (!out.includes(expected)) throw new Error(`${label}: the quickstart's output lacks "${expected}":\n${out}`);
  }
  console.log(`  quickstart (${label}): ran, counts as expected`);
}

const installed = (project, name) => JSON.parse(readFileSync(join(project, "node_modules", name, "package.json"), "utf8"));

try {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  console.log("packed install: current packages");
  const current = CURRENT.map((name) => pack(join(root, "packages", name), tarballs));

  const project = join(work, "app");
  mkdirSync(project);
  const example = JSON.parse(readFileSync(join(root, "examples", "quickstart", "package.json"), "utf8"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  cpSync(join(root, "examples", "quickstart", "src", "quickstart.ts"), join(project, "quickstart.ts"));
  // Strict peers: npm refuses a kernel outside a plugin's peerDependencies range.
  run("npm", ["install", "--strict-peer-deps", "--no-audit", "--no-fund", "--loglevel=error", ...current, `tsx@${example.dependencies.tsx}`], project);
  const kernelVersion = installed(project, "@dataflow/kernel").version;
  quickstart(project, `kernel ${kernelVersion}, ${PLUGIN} ${installed(project, PLUGIN).version}, all from this commit`);

  const base = baseline();
  const changed = changedSources(base.commit);
  if (changed === 0) {
    throw new Error(`${PLUGIN}'s source at ${base.commit.slice(0, 12)} (${base.why}) is identical to HEAD's: installing it would prove no upgrade`);
  }
  console.log(`packed install: ${PLUGIN} from ${base.commit.slice(0, 12)} (${base.why}; ${changed} of its src files differ from HEAD)`);
  const old = packAt(base.commit, join(work, "baseline-tarballs"));
  run("npm", ["install", "--strict-peer-deps", "--no-audit", "--no-fund", "--loglevel=error", old], project);
  const distOf = (tarball) => execFileSync("tar", ["-xzOf", tarball, "package/dist/index.js"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const oldDist = distOf(old);
  if (oldDist === distOf(current[CURRENT.indexOf("sql-sqlite")]))
    throw new Error(`${PLUGIN} packed from ${base.commit} builds to the same dist/index.js as HEAD's`);
  if (readFileSync(join(project, "node_modules", PLUGIN, "dist", "index.js"), "utf8") !== oldDist) {
    throw new Error(`${PLUGIN} in the app is not the one packed from ${base.commit}`);
  }
  if (installed(project, "@dataflow/kernel").version !== kernelVersion) throw new Error("installing the older plugin changed the kernel");
  quickstart(project, `kernel ${kernelVersion} beside ${PLUGIN} ${installed(project, PLUGIN).version} from ${base.commit.slice(0, 12)}`);
  console.log("packed install: the quickstart runs on the packed packages, and after a per-package change of sql-sqlite");
} catch (error) {
  console.error(`packed install check failed: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
