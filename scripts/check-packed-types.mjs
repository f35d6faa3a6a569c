#!/usr/bin/env node
// Checks the packages as a user receives them: `pnpm pack`s every publishable package (after a build),
// runs @arethetypeswrong/cli on each tarball, then installs all tarballs with npm (no workspace links)
// into a throwaway project and type-checks a file importing every entry point with `strict` and
// `skipLibCheck: false`. A type a public .d.ts needs that is only a devDependency fails here (TS7016).
// Also checks that every tarball carries the root LICENSE and its repository/homepage/keywords.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
const work = mkdtempSync(join(tmpdir(), "dataflow-packed-"));

try {
  const packages = readdirSync(join(root, "packages"))
    .map((dir) => ({ dir: join(root, "packages", dir), json: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) }))
    .filter((p) => !p.json.private);

  const tarballs = [];
  for (const p of packages) {
    const out = JSON.parse(run("pnpm", ["pack", "--json", "--pack-destination", work], p.dir));
    tarballs.push(resolve(work, (Array.isArray(out) ? out[0] : out).filename));
  }

  // Every tarball ships the root LICENSE unchanged and says where it comes from.
  const license = readFileSync(join(root, "LICENSE"), "utf8");
  for (const tarball of tarballs) {
    if (run("tar", ["-xzOf", tarball, "package/LICENSE"], work) !== license) throw new Error(`${tarball}: LICENSE differs from the root LICENSE`);
    const manifest = JSON.parse(run("tar", ["-xzOf", tarball, "package/package.json"], work));
    for (const key of ["license", "repository", "homepage", "keywords"]) {
      if (!manifest[key]) throw new Error(`${manifest.name}: package.json lacks "${key}"`);
    }
    if (!manifest.repository.directory) throw new Error(`${manifest.name}: repository.directory is missing`);
  }

  const attw = join(root, "node_modules", ".bin", "attw");
  for (const tarball of tarballs) {
    // ESM-only packages: CommonJS `require` of them is not supported, so that resolution is not judged.
    run(attw, ["--profile", "esm-only", "--format", "table-flipped", tarball], root);
  }

  const project = join(work, "consumer");
  run("mkdir", ["-p", project], work);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const typescript = JSON.parse(readFileSync(join(root, "node_modules", "typescript", "package.json"), "utf8")).version;
  run(
    "npm",
    [
      "install",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--legacy-peer-deps",
      "--loglevel=error",
      ...tarballs,
      `typescript@${typescript}`,
      "@types/node@20",
    ],
    project,
  );

  const imports = [];
  for (const p of packages) {
    for (const entry of Object.keys(p.json.exports ?? { ".": {} })) {
      if (entry.endsWith(".json")) continue;
      imports.push(`${p.json.name}${entry === "." ? "" : entry.slice(1)}`);
    }
  }
  writeFileSync(
    join(project, "index.ts"),
    `${imports.map((m, i) => `import * as m${i} from "${m}";`).join("\n")}\nexport const all = [${imports.map((_, i) => `m${i}`).join(", ")}];\n`,
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        types: ["node"],
        exactOptionalPropertyTypes: true,
      },
      files: ["index.ts"],
    }),
  );
  run(join(project, "node_modules", ".bin", "tsc"), ["-p", "."], project);
  console.log(`packed packages: ${packages.length} ship LICENSE and metadata; ${imports.length} entry points pass attw and a strict consumer typecheck`);
} catch (error) {
  if (error.stdout) process.stdout.write(error.stdout);
  console.error(`packed types check failed: ${error.message.split("\n")[0]}`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
