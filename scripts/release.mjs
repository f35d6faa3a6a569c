#!/usr/bin/env node
// `pnpm release [--dry-run]`: versions, checks and publishes the packages that have changesets.
//   1. refuses a dirty tree (and, for a real release, a branch other than main);
//   2. refuses a release plan (all pending changesets) that would bump a package a major without a changeset asking for it;
//   3. `changeset version`: new versions, a CHANGELOG.md entry per released package, changesets consumed;
//   4. builds, then `pnpm lint` (publint, Biome, kernel peer/contract ranges, attw and the strict
//      consumer typecheck of the packed tarballs);
//   5. real: commits "Release ...", `pnpm publish -r`, `changeset tag`; push with --follow-tags after.
//      --dry-run: `pnpm publish -r --dry-run` (no registry writes), then restores the tree to HEAD.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import getReleasePlanModule from "@changesets/get-release-plan";

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const unknown = args.filter((a) => a !== "--dry-run");
// The plan without `changeset status`, which also diffs against the base branch (absent in a single-branch clone).
const getReleasePlan = getReleasePlanModule.default ?? getReleasePlanModule;
const changeset = join(root, "node_modules", "@changesets", "cli", "bin.js");

function fail(message) {
  console.error(`\n[release] ${message}`);
  process.exit(1);
}
if (unknown.length > 0) fail(`unknown argument ${unknown.join(" ")}; usage: pnpm release [--dry-run]`);

function run(command, commandArgs, options = {}) {
  console.log(`\n[release] $ ${command} ${commandArgs.join(" ")}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: "inherit", ...options });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(" ")} exited with ${result.status}`);
}

function git(...gitArgs) {
  const result = spawnSync("git", gitArgs, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) fail(`git ${gitArgs.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** The release plan changesets would apply, and the packages it would bump a major although no changeset asked. */
async function readPlan() {
  const plan = await getReleasePlan(root);
  const asked = new Set(plan.changesets.flatMap((c) => c.releases.filter((r) => r.type === "major").map((r) => r.name)));
  const releases = plan.releases.filter((r) => r.type !== "none");
  return { releases, unaskedMajors: releases.filter((r) => r.type === "major" && !asked.has(r.name)) };
}

if (git("status", "--porcelain") !== "") {
  fail("the working tree has changes; commit or stash them first (a dry run restores the tree to HEAD afterwards)");
}
const branch = git("rev-parse", "--abbrev-ref", "HEAD");
if (!dryRun && branch !== "main") fail(`releases are made from main (this is ${branch}); try pnpm release --dry-run`);

const plan = await readPlan();
if (plan.unaskedMajors.length > 0) {
  fail(
    `the release plan bumps ${plan.unaskedMajors.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion}`).join(", ")} a major without a changeset asking for it. ` +
      "A peer range left the version it names: widen that peerDependencies range (see docs/releasing.md), or add a changeset that asks for the major.",
  );
}
if (plan.releases.length === 0) {
  if (!dryRun) fail("no changesets: nothing to release");
  console.log("[release] no changesets: the dry run checks and packs the current versions");
} else {
  console.log(`[release] plan: ${plan.releases.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion} (${r.type})`).join(", ")}`);
}

let status = 0;
let committed = false;
try {
  if (plan.releases.length > 0) run(process.execPath, [changeset, "version"]);
  run("pnpm", ["exec", "turbo", "run", "build", "--output-logs=errors-only"]);
  run("pnpm", ["run", "lint"]);
  if (dryRun) {
    run("pnpm", ["publish", "-r", "--access", "public", "--dry-run", "--no-git-checks"]);
  } else {
    const names = plan.releases.map((r) => `${r.name}@${r.newVersion}`);
    run("git", ["add", "-A"]);
    run("git", ["commit", "-m", `Release ${names.join(", ")}`]);
    committed = true;
    run("pnpm", ["publish", "-r", "--access", "public"]);
    run(process.execPath, [changeset, "tag"]);
    console.log("\n[release] published; now: git push --follow-tags");
  }
} catch (error) {
  console.error(`\n[release] ${error.message}`);
  status = 1;
} finally {
  if (dryRun || (status !== 0 && !committed)) {
    // Back to HEAD: versions, CHANGELOGs and consumed changesets (the tree was clean when we started).
    git("restore", "--source=HEAD", "--staged", "--worktree", "--", ".");
    // The tree had no untracked files; changeset version adds only CHANGELOG.md files. Anything else is left alone.
    const added = git("ls-files", "--others", "--exclude-standard").split("\n").filter(Boolean);
    for (const file of added.filter((f) => /^packages\/[^/]+\/CHANGELOG\.md$/.test(f))) rmSync(join(root, file), { force: true });
    if (git("status", "--porcelain") !== "") {
      console.error("[release] the dry run could not restore the tree:\n" + git("status", "--short"));
      status = 1;
    } else {
      console.log(`[release] ${dryRun ? "dry run: nothing published" : "failed before the release commit"}; the tree is back at HEAD`);
    }
  }
}
process.exit(status);
