#!/usr/bin/env node
// A plugin states twice which kernels it works with: the `peerDependencies` range on @dataflow/kernel
// (what npm enforces at install) and the `kernel:` contract range it passes to definePlugin (what the
// kernel enforces at load). This check refuses a package whose two ranges disagree:
//   - the peer range, as published, must lie inside the contract range (else npm installs a kernel
//     the plugin then refuses at load), and
//   - both must allow the same kernel majors (else npm refuses a kernel the plugin would accept).
// The kernel's own contract version must have the kernel package's major: a contract break is a
// kernel major. A package without its own `kernel:` literal inherits the ranges of the first-party
// packages it depends on (the SQL dialects get theirs from @dataflow/sql-core's sqlPlugin).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import semver from "semver";

const KERNEL = "@dataflow/kernel";
const CONTRACT_RANGE = /\bkernel:\s*(["'])([^"'\n]+)\1/g;
const CONTRACT_VERSION = /export const KERNEL_CONTRACT_VERSION\s*=\s*(["'])([^"']+)\1/;

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name) && !/\.d\.ts$/.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

function readPackages(root) {
  const base = join(root, "packages");
  return readdirSync(base, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(base, e.name, "package.json")))
    .map((e) => {
      const dir = join(base, e.name);
      return { dir, json: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    });
}

/** The range npm sees once pnpm has replaced the workspace: protocol at pack time. */
export function publishedRange(range, workspaceVersion) {
  if (!range.startsWith("workspace:")) return range;
  const rest = range.slice("workspace:".length);
  if (rest === "*") return workspaceVersion;
  if (rest === "^" || rest === "~") return `${rest}${workspaceVersion}`;
  return rest;
}

/** The majors a range allows, among 0..99. */
function majorsOf(range) {
  const majors = [];
  for (let major = 0; major < 100; major++) {
    if (semver.intersects(range, `>=${major}.0.0 <${major + 1}.0.0-0`, { includePrerelease: false })) majors.push(major);
  }
  return majors.join(",");
}

/** The contract ranges each package declares in its src/, literal or inherited from first-party dependencies. */
function contractRanges(packages) {
  const own = new Map();
  for (const p of packages) {
    const found = [];
    for (const file of sourceFiles(join(p.dir, "src"))) {
      for (const m of readFileSync(file, "utf8").matchAll(CONTRACT_RANGE)) found.push({ range: m[2], where: file });
    }
    own.set(p.json.name, found);
  }
  const byName = new Map(packages.map((p) => [p.json.name, p]));
  const resolved = new Map();
  const resolve = (name, seen = new Set()) => {
    if (resolved.has(name)) return resolved.get(name);
    if (seen.has(name)) return [];
    seen.add(name);
    let ranges = own.get(name) ?? [];
    if (ranges.length === 0) {
      const deps = Object.keys({ ...byName.get(name)?.json.dependencies, ...byName.get(name)?.json.peerDependencies });
      ranges = deps.filter((d) => d !== KERNEL && byName.has(d)).flatMap((d) => resolve(d, seen));
    }
    resolved.set(name, ranges);
    return ranges;
  };
  for (const p of packages) resolve(p.json.name);
  return resolved;
}

/** Every disagreement in the workspace at `root`, as messages naming the package, both ranges and the fix. */
export function checkKernelRanges(root) {
  const packages = readPackages(root);
  const kernel = packages.find((p) => p.json.name === KERNEL);
  if (!kernel) return [`no packages/*/package.json is named ${KERNEL}`];
  const problems = [];
  const contractFile = sourceFiles(join(kernel.dir, "src")).find((f) => CONTRACT_VERSION.test(readFileSync(f, "utf8")));
  const contractVersion = contractFile && CONTRACT_VERSION.exec(readFileSync(contractFile, "utf8"))[2];
  if (!contractVersion || !semver.valid(contractVersion)) {
    problems.push(`${KERNEL}: no valid \`export const KERNEL_CONTRACT_VERSION = "x.y.z"\` in its src/`);
  } else if (semver.major(contractVersion) !== semver.major(kernel.json.version)) {
    problems.push(
      `${KERNEL}: package version ${kernel.json.version} but KERNEL_CONTRACT_VERSION ${contractVersion}; the contract's major is the kernel's major (a contract break is a kernel major release)`,
    );
  }

  const contracts = contractRanges(packages);
  let checked = 0;
  for (const p of packages) {
    if (p.json.name === KERNEL || p.json.private) continue;
    const declared = p.json.peerDependencies?.[KERNEL];
    const ranges = contracts.get(p.json.name) ?? [];
    if (p.json.dependencies?.[KERNEL]) {
      problems.push(`${p.json.name}: @dataflow/kernel is in "dependencies"; make it a peerDependency so the app has one kernel`);
    }
    if (ranges.length === 0) continue;
    if (!declared) {
      problems.push(
        `${p.json.name}: declares kernel contract ${ranges[0].range} but has no peerDependencies["${KERNEL}"]; add "${KERNEL}": "workspace:^${semver.minVersion(ranges[0].range)}"`,
      );
      continue;
    }
    const peer = publishedRange(declared, kernel.json.version);
    if (!semver.validRange(peer)) {
      problems.push(`${p.json.name}: peerDependencies["${KERNEL}"] "${declared}" is not a semver range`);
      continue;
    }
    for (const { range, where } of ranges) {
      checked++;
      const at = relative(root, where);
      if (!semver.validRange(range)) {
        problems.push(`${p.json.name}: kernel contract range "${range}" (${at}) is not a semver range`);
        continue;
      }
      if (!semver.subset(peer, range)) {
        problems.push(
          `${p.json.name}: peerDependencies["${KERNEL}"] publishes as "${peer}", which allows kernels outside its contract range "${range}" (${at}); npm would install a kernel the plugin refuses at load. Narrow the peer range or widen the contract range`,
        );
      } else if (majorsOf(peer) !== majorsOf(range)) {
        problems.push(
          `${p.json.name}: contract range "${range}" (${at}) allows kernel majors ${majorsOf(range)} but peerDependencies["${KERNEL}"] publishes as "${peer}" (majors ${majorsOf(peer)}); make both name the same major, e.g. kernel: "^${semver.minVersion(peer).major}" with "workspace:^${semver.minVersion(peer).major}.0.0"`,
        );
      }
      if (contractVersion && semver.valid(contractVersion) && !semver.satisfies(contractVersion, range)) {
        problems.push(`${p.json.name}: contract range "${range}" (${at}) does not accept this kernel's KERNEL_CONTRACT_VERSION ${contractVersion}`);
      }
    }
  }
  if (problems.length === 0 && checked === 0) problems.push('no kernel contract range found in any package\'s src/ (the check looks for `kernel: "^1"`)');
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = resolve(process.argv[2] ?? resolve(import.meta.dirname, ".."));
  const problems = checkKernelRanges(root);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`kernel ranges: ${problem}`);
    process.exit(1);
  }
  console.log("kernel ranges: every plugin's peerDependencies range on @dataflow/kernel agrees with its kernel contract range");
}
