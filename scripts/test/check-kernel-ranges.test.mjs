// Fixture workspaces for scripts/check-kernel-ranges.mjs: one that agrees, and each kind of mismatch.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { checkKernelRanges, publishedRange } from "../check-kernel-ranges.mjs";

const dirs = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function workspace({ kernelVersion = "1.0.0", contractVersion = "1.0.0", plugins }) {
  const root = mkdtempSync(join(tmpdir(), "kernel-ranges-"));
  dirs.push(root);
  const write = (path, text) => {
    mkdirSync(resolve(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write("packages/kernel/package.json", JSON.stringify({ name: "@dataflow/kernel", version: kernelVersion }));
  write("packages/kernel/src/plugin.ts", `export const KERNEL_CONTRACT_VERSION = "${contractVersion}";\n`);
  for (const p of plugins) {
    write(`packages/${p.name}/package.json`, JSON.stringify({ name: `@dataflow/${p.name}`, version: "0.3.0", ...p.json }));
    if (p.contract) write(`packages/${p.name}/src/index.ts`, `export default definePlugin({ name: "${p.name}", kernel: "${p.contract}" });\n`);
  }
  return root;
}

const peer = (range) => ({ peerDependencies: { "@dataflow/kernel": range } });

test("a workspace whose peer and contract ranges agree passes", () => {
  const root = workspace({
    plugins: [
      { name: "sql-core", json: peer("workspace:^1.0.0"), contract: "^1" },
      { name: "sql-sqlite", json: { ...peer("workspace:^"), dependencies: { "@dataflow/sql-core": "workspace:^" } } },
      { name: "tenancy", json: peer("^1.2.0"), contract: "^1" },
    ],
  });
  assert.deepEqual(checkKernelRanges(root), []);
});

test("a peer range on kernel 0.x beside contract ^1 is refused, naming the package, both ranges and the file", () => {
  const root = workspace({ plugins: [{ name: "sql-core", json: peer("workspace:^0.1.0"), contract: "^1" }] });
  const problems = checkKernelRanges(root);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^@dataflow\/sql-core: .*"\^0\.1\.0".*"\^1" \(packages\/sql-core\/src\/index\.ts\)/);
});

test("workspace:^ is judged as published: against the kernel's current version", () => {
  const root = workspace({ kernelVersion: "0.1.0", contractVersion: "0.1.0", plugins: [{ name: "x", json: peer("workspace:^"), contract: "^1" }] });
  assert.match(checkKernelRanges(root).join("\n"), /@dataflow\/x: .*publishes as "\^0\.1\.0"/);
});

test("a peer range wider than the contract range is refused (npm would install a kernel the plugin refuses)", () => {
  const root = workspace({ plugins: [{ name: "x", json: peer(">=1.0.0"), contract: "^1" }] });
  assert.match(checkKernelRanges(root).join("\n"), /@dataflow\/x: .*">=1\.0\.0", which allows kernels outside its contract range "\^1"/);
});

test("a contract range that accepts more majors than the peer range is refused", () => {
  const root = workspace({ plugins: [{ name: "x", json: peer("workspace:^1.0.0"), contract: ">=1" }] });
  assert.match(checkKernelRanges(root).join("\n"), /@dataflow\/x: contract range ">=1" .*allows kernel majors 1,2,3/);
});

test("an inherited contract range is checked against the dependent's own peer range", () => {
  const root = workspace({
    plugins: [
      { name: "sql-core", json: peer("workspace:^1.0.0"), contract: "^1" },
      { name: "sql-mysql", json: { ...peer("^2.0.0"), dependencies: { "@dataflow/sql-core": "workspace:^" } } },
    ],
  });
  const problems = checkKernelRanges(root);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /^@dataflow\/sql-mysql: .*"\^2\.0\.0".*"\^1" \(packages\/sql-core\/src\/index\.ts\)/);
});

test("a plugin with a contract range and no kernel peer, or kernel as a dependency, is refused", () => {
  const root = workspace({
    plugins: [
      { name: "a", json: {}, contract: "^1" },
      { name: "b", json: { dependencies: { "@dataflow/kernel": "^1.0.0" }, ...peer("^1.0.0") }, contract: "^1" },
    ],
  });
  const text = checkKernelRanges(root).join("\n");
  assert.match(text, /@dataflow\/a: declares kernel contract \^1 but has no peerDependencies/);
  assert.match(text, /@dataflow\/b: @dataflow\/kernel is in "dependencies"/);
});

test("the kernel's contract major must be its package major", () => {
  const root = workspace({ kernelVersion: "2.0.0", plugins: [{ name: "x", json: peer("^1.0.0"), contract: "^1" }] });
  assert.match(checkKernelRanges(root).join("\n"), /@dataflow\/kernel: package version 2\.0\.0 but KERNEL_CONTRACT_VERSION 1\.0\.0/);
});

test("publishedRange replaces the workspace: protocol as pnpm pack does", () => {
  assert.equal(publishedRange("workspace:^", "1.4.2"), "^1.4.2");
  assert.equal(publishedRange("workspace:~", "1.4.2"), "~1.4.2");
  assert.equal(publishedRange("workspace:*", "1.4.2"), "1.4.2");
  assert.equal(publishedRange("workspace:^1.0.0", "1.4.2"), "^1.0.0");
  assert.equal(publishedRange("^1.0.0", "1.4.2"), "^1.0.0");
});

test("the repository itself passes", () => {
  assert.deepEqual(checkKernelRanges(resolve(import.meta.dirname, "../..")), []);
});
