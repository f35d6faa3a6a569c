// The whole path from a database created by plain SQL to reviewed migration files, each step a real
// `dataflow` command whose output is printed as it would appear in a terminal. `pnpm start` runs it
// on the SQLite file shop.db; set DATABASE_URL to run it on PostgreSQL or MySQL/MariaDB.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDatabase } from "./create-database.js";

const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const cliPackage = createRequire(import.meta.url).resolve("@dataflow/cli/package.json");
const bin = join(dirname(cliPackage), (JSON.parse(readFileSync(cliPackage, "utf8")) as { bin: { dataflow: string } }).bin.dataflow);
const url = process.env.DATABASE_URL ?? `sqlite://${join(here, "shop.db")}`;

/** Runs `dataflow ...args` in this folder, echoes the command and its output; returns stdout. */
function dataflow(...args: string[]): string {
  console.log(`\n$ dataflow ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: here, env: { ...process.env, DATABASE_URL: url, NO_COLOR: "1" }, encoding: "utf8" });
  const out = `${r.stderr}${r.stdout}`.trimEnd().replaceAll(`${here}/`, "./");
  if (out !== "") console.log(out);
  if (r.status !== 0) throw new Error(`dataflow ${args.join(" ")} exited with ${r.status}`);
  return r.stdout;
}

/** The id (folder name) of the newest migration. */
function newest(): string {
  const ids = readdirSync(join(here, "migrations")).sort();
  if (ids.length === 0) throw new Error("no migration was written");
  return ids[ids.length - 1]!;
}

function step(title: string): void {
  console.log(`\n## ${title}`);
}

step("1. A database created by plain SQL (no DataFlow)");
await createDatabase(url);
rmSync(join(here, "migrations"), { recursive: true, force: true });
console.log("created tables authors and books (foreign key, unique, index) and the view author_names");

step("2. Pull typed models from it");
dataflow("pull", "-o", "src/models.ts");

step("3. The round trip: the pulled models match the database, so there is nothing to migrate");
dataflow("migrate", "generate", "init");

step("4. Baseline: the first migration describes the existing schema; record it as applied, since the tables exist");
dataflow("migrate", "generate", "baseline", "--from-empty");
dataflow("migrate", "mark-applied", newest());

step("5. Change a model (add an optional isbn to Book in src/models.ts), generate the migration and review it");
const models = join(here, "src", "models.ts");
const edited = readFileSync(models, "utf8").replace(/\n(\s+)title: (field\.[^\n]+)\n/, "\n$1title: $2\n$1isbn: field.string({ maxLength: 20 }).optional(),\n");
if (!edited.includes("isbn:")) throw new Error("src/models.ts has no title field on Book to add isbn after");
writeFileSync(models, edited);
dataflow("migrate", "generate", "add_book_isbn");
console.log(`\n$ cat migrations/${newest()}/up.sql\n${readFileSync(join(here, "migrations", newest(), "up.sql"), "utf8").trimEnd()}`);

step("6. Apply it, then look at the history");
dataflow("migrate", "status");
dataflow("migrate", "apply");
dataflow("migrate", "status");
dataflow("migrate", "check");
