// Scaffolds packages/<folder> with the house layout: tsup (ESM + d.ts), typed exports, vitest.
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const [folder, description, ...deps] = process.argv.slice(2);
if (!folder || !description) {
  console.error("usage: node scripts/new-package.mjs <folder> <description> [dep@range ...]");
  process.exit(2);
}
const dir = join("packages", folder);
if (existsSync(join(dir, "package.json"))) {
  console.error(`${dir} exists`);
  process.exit(1);
}
mkdirSync(join(dir, "src"), { recursive: true });
mkdirSync(join(dir, "test"), { recursive: true });
const isKernel = folder === "kernel";
const dependencies = {};
for (const d of deps) {
  const at = d.lastIndexOf("@");
  dependencies[d.slice(0, at)] = d.slice(at + 1);
}
const pkg = {
  name: `@dataflow/${folder}`,
  version: "0.1.0",
  description,
  type: "module",
  license: "Apache-2.0",
  repository: { type: "git", url: "git+https://github.com/dataflow-ts/dataflow.git", directory: `packages/${folder}` },
  homepage: `https://github.com/dataflow-ts/dataflow/tree/main/packages/${folder}#readme`,
  bugs: "https://github.com/dataflow-ts/dataflow/issues",
  keywords: ["dataflow"],
  sideEffects: false,
  exports: {
    ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
    "./package.json": "./package.json",
  },
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
  files: ["dist", "README.md", "LICENSE"],
  engines: { node: ">=20.19" },
  scripts: {
    build: "tsup",
    typecheck: "tsc -p tsconfig.json",
    lint: "publint --strict",
    test: "vitest run",
  },
  ...(Object.keys(dependencies).length ? { dependencies } : {}),
  ...(isKernel ? {} : { peerDependencies: { "@dataflow/kernel": "workspace:^1.0.0" } }),
  devDependencies: isKernel ? {} : { "@dataflow/kernel": "workspace:*" },
};
writeFileSync(join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
copyFileSync("LICENSE", join(dir, "LICENSE"));
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../../tsconfig.base.json", include: ["src", "test", "*.ts"] }, null, 2) + "\n");
writeFileSync(
  join(dir, "tsup.config.ts"),
  `import { defineConfig } from "tsup";\nimport { packageBuild } from "../../tsup.shared";\n\nexport default defineConfig(packageBuild);\n`,
);
writeFileSync(
  join(dir, "vitest.config.ts"),
  `import { defineConfig } from "vitest/config";\n\nexport default defineConfig({\n  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 },\n});\n`,
);
writeFileSync(join(dir, "README.md"), `# @dataflow/${folder}\n\n${description}\n`);
console.log(`created ${dir}`);
