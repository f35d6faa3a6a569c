// Type-checking speed: `tsc --noEmit` on a generated DataFlow program (100 models, one 200-node typed
// workflow) next to the same schema and 200 queries in Drizzle. Run from bench/:
//   node --import tsx src/typecheck-speed.ts [--runs 3] [--keep]
// The programs are written to bench/.tmp/typecheck/ (removed afterwards unless --keep).
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MODELS = 100;
const NODES = 200;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", ".tmp", "typecheck");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? 3) || 3;

/** The same columns in both programs: a string, an int, a boolean, an optional int, an enum, a datetime. */
const name = (i: number) => `Entity${i}`;

function dataflowProgram(): string {
  const lines = [
    `import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";`,
    `import type { Row } from "@dataflow/kernel";`,
    `const db = new DataFlow();`,
  ];
  for (let i = 0; i < MODELS; i++) {
    lines.push(
      `export const ${name(i)} = db.model("${name(i)}", { title: field.string(), owner_id: field.int(), qty: field.int(), ` +
        `active: field.boolean().default(true), rank: field.int().optional(), kind: field.enum(["a", "b", "c"]), due: field.datetime().optional() });`,
    );
  }
  const chain: string[] = [`const wf = new WorkflowBuilder()`];
  for (let n = 0; n < NODES; n++) {
    const m = name(n % MODELS);
    switch (n % 4) {
      case 0:
        if (n === 0) chain.push(`  .addNode(${m}.nodes.Create, "n${n}", { data: { title: "t${n}", qty: ${n}, kind: "a", owner_id: 0 } })`);
        else {
          chain.push(`  .addNode(${m}.nodes.Create, "n${n}", { data: { title: "t${n}", qty: ${n}, kind: "a" } })`);
          chain.push(`  .addConnection("n${n - 1}", "result", "n${n}", "data.owner_id")`);
        }
        break;
      case 1:
        chain.push(
          `  .addNode(${m}.nodes.List, "n${n}", { filter: { qty: { $gte: ${n} }, kind: { $in: ["a", "b"] }, title: { $like: "t%" } }, orderBy: "-qty", limit: 10, select: ["id", "title"] })`,
        );
        break;
      case 2:
        chain.push(`  .addNode(${m}.nodes.Update, "n${n}", { fields: { qty: ${n}, active: false } })`);
        chain.push(`  .addConnection("n${n - 2}", "result.id", "n${n}", "id")`);
        break;
      default:
        chain.push(`  .addNode(${m}.nodes.Count, "n${n}", { filter: { $or: [{ active: true }, { rank: null }] } })`);
    }
  }
  chain.push(`  .build();`);
  lines.push(...chain);
  lines.push(`const { results } = await new LocalRuntime().execute(wf);`);
  for (let n = 0; n < NODES; n++) {
    const m = name(n % MODELS);
    if (n % 4 === 0) lines.push(`export const r${n}: Row<typeof ${m}> = results.n${n}.result;`);
    else if (n % 4 === 1) lines.push(`export const r${n}: string | undefined = results.n${n}.result[0]?.title;`);
    else if (n % 4 === 2) lines.push(`export const r${n}: number = results.n${n}.result.qty;`);
    else lines.push(`export const r${n}: number = results.n${n}.result;`);
  }
  return `${lines.join("\n")}\n`;
}

function drizzleProgram(): string {
  const lines = [
    `import Database from "better-sqlite3";`,
    `import { and, desc, eq, gte, inArray, isNull, like, or } from "drizzle-orm";`,
    `import { drizzle } from "drizzle-orm/better-sqlite3";`,
    `import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";`,
  ];
  for (let i = 0; i < MODELS; i++) {
    lines.push(
      `export const ${name(i)} = sqliteTable("entity${i}", { id: integer().primaryKey({ autoIncrement: true }), title: text().notNull(), ` +
        `owner_id: integer().notNull(), qty: integer().notNull(), active: integer({ mode: "boolean" }).notNull().default(true), rank: integer(), ` +
        `kind: text({ enum: ["a", "b", "c"] }).notNull(), due: integer({ mode: "timestamp" }), ` +
        `created_at: integer({ mode: "timestamp" }).notNull(), updated_at: integer({ mode: "timestamp" }).notNull() });`,
    );
  }
  lines.push(`const db = drizzle(new Database(":memory:"));`);
  for (let n = 0; n < NODES; n++) {
    const t = name(n % MODELS);
    switch (n % 4) {
      case 0:
        lines.push(
          `export const r${n} = db.insert(${t}).values({ title: "t${n}", qty: ${n}, kind: "a", owner_id: ${n}, created_at: new Date(), updated_at: new Date() }).returning().get();`,
        );
        break;
      case 1:
        lines.push(
          `export const r${n}: string | undefined = db.select({ id: ${t}.id, title: ${t}.title }).from(${t}).where(and(gte(${t}.qty, ${n}), inArray(${t}.kind, ["a", "b"]), like(${t}.title, "t%"))).orderBy(desc(${t}.qty)).limit(10).all()[0]?.title;`,
        );
        break;
      case 2:
        lines.push(
          `export const r${n}: number | undefined = db.update(${t}).set({ qty: ${n}, active: false }).where(eq(${t}.id, ${n})).returning().get()?.qty;`,
        );
        break;
      default:
        lines.push(`export const r${n}: number = await db.$count(${t}, or(eq(${t}.active, true), isNull(${t}.rank)));`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const tsconfig = {
  extends: "../../../../tsconfig.base.json",
  compilerOptions: { skipLibCheck: true, noEmit: true, types: ["node"], module: "ESNext", target: "ES2022" },
  include: ["program.ts"],
};

const require = createRequire(import.meta.url);
const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");

interface Timing {
  wallMs: number;
  checkMs: number;
  instantiations: number;
  types: number;
  memoryKb: number;
}

function measure(dir: string): Timing {
  const started = performance.now();
  let out = "";
  try {
    out = execFileSync(process.execPath, [tsc, "-p", dir, "--extendedDiagnostics"], { encoding: "utf8" });
  } catch (error) {
    const e = error as { stdout?: string };
    throw new Error(`tsc reported errors in ${dir}:\n${(e.stdout ?? "").split("\n").slice(0, 20).join("\n")}`);
  }
  const wallMs = performance.now() - started;
  const num = (label: string) => Number((new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(out) ?? [])[1] ?? Number.NaN);
  return { wallMs, checkMs: num("Check time") * 1000, instantiations: num("Instantiations"), types: num("Types"), memoryKb: num("Memory used") };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const programs = { DataFlow: dataflowProgram(), Drizzle: drizzleProgram() };
const table: Record<string, Timing> = {};
rmSync(root, { recursive: true, force: true });
for (const [label, source] of Object.entries(programs)) {
  const dir = join(root, label.toLowerCase());
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "program.ts"), source);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
}
for (let r = 0; r < runs; r++) {
  for (const label of Object.keys(programs)) {
    const t = measure(join(root, label.toLowerCase()));
    (table[label] as (Timing & { all?: Timing[] }) | undefined) ?? (table[label] = { ...t, all: [] } as Timing);
    (table[label] as Timing & { all: Timing[] }).all.push(t);
  }
}
console.log(
  `tsc --noEmit, ${MODELS} models/tables and a ${NODES}-node workflow / ${NODES} queries; median of ${runs} runs (TypeScript ${require("typescript/package.json").version})\n`,
);
console.log("| program | wall time (ms) | check time (ms) | instantiations | types | memory (MB) |");
console.log("|---|---:|---:|---:|---:|---:|");
const medians: Record<string, number> = {};
for (const label of Object.keys(programs)) {
  const all = (table[label] as Timing & { all: Timing[] }).all;
  const m = (k: keyof Timing) => median(all.map((t) => t[k]));
  medians[label] = m("wallMs");
  console.log(
    `| ${label} | ${m("wallMs").toFixed(0)} | ${m("checkMs").toFixed(0)} | ${m("instantiations")} | ${m("types")} | ${(m("memoryKb") / 1024).toFixed(0)} |`,
  );
}
const ratio = medians.DataFlow! / medians.Drizzle!;
console.log(`\nDataFlow / Drizzle wall time: ${ratio.toFixed(2)} (budget: <= 1.00) -> ${ratio <= 1 ? "within budget" : "OVER BUDGET"}`);
if (!args.includes("--keep")) rmSync(root, { recursive: true, force: true });
if (ratio > 1) process.exitCode = 1;
