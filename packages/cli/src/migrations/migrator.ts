import type { Model } from "@dataflow/kernel/plugin";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import { DestructiveChangeError, MigrationError } from "./errors.js";
import { MigrationDirectory } from "./files.js";
import type { MigrationStatus } from "./history.js";
import type { LiveSchemaReader } from "./live.js";
import { CatalogSchemaReader } from "./live.js";
import type { Plan, Step } from "./plan.js";
import { baselineFromDatabase, kindDiffers, kindOfType, planMigration, renderPlan } from "./plan.js";
import type { ApplyResult, RunOptions } from "./runner.js";
import { MigrationRunner, describeRefusal } from "./runner.js";
import type { SchemaState } from "./state.js";
import { emptyState, modelState, sameForeignKey } from "./state.js";

export interface MigratorOptions {
  readonly models: readonly Model[];
  readonly adapter: DatabaseAdapter;
  /** Migrations folder. */
  readonly directory: string;
  readonly historyTable?: string;
  /** Replaces the catalog-based reader of the live schema. */
  readonly live?: LiveSchemaReader;
}

export interface GenerateResult {
  readonly id: string | undefined;
  readonly dir: string | undefined;
  readonly steps: readonly Step[];
  /** What the plan was diffed against. */
  readonly baseline: "snapshot" | "database" | "empty";
  readonly downWritten: boolean;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  /** Columns an expand/contract type change left behind, waiting for their contract migration (not a problem). */
  readonly retired: readonly string[];
  readonly status: MigrationStatus;
}

/** Generate, apply, revert and check migrations of one set of models on one database. */
export class Migrator {
  readonly directory: MigrationDirectory;
  readonly runner: MigrationRunner;

  constructor(private readonly options: MigratorOptions) {
    this.directory = new MigrationDirectory(options.directory);
    this.runner = new MigrationRunner(options.adapter, this.directory, options.historyTable ?? "dataflow_migrations");
  }

  /** A reader of the database as it is now (the catalog reader reads once, so each plan or check gets a new one). */
  private live(): LiveSchemaReader {
    return this.options.live ?? new CatalogSchemaReader(this.options.adapter.dialect, this.options.adapter);
  }

  /** The schema the models declare. */
  target(): SchemaState {
    return modelState(this.options.adapter.dialect, this.options.models);
  }

  /** The steps from the last migration's snapshot (or, before the first migration, the live database) to the models. */
  /** `fromEmpty`: diff against an empty schema (the first migration of a project that grew with auto-migration). */
  async plan(fromEmpty = false): Promise<{ plan: Plan; baseline: "snapshot" | "database" | "empty" }> {
    const next = this.target();
    const last = this.directory.lastSnapshot();
    if (fromEmpty) {
      if (last) throw new MigrationError("--from-empty is for the first migration, and this folder has migrations already", { field: "--from-empty" });
      return { plan: await planMigration(this.runner.db, emptyState(this.options.adapter.dialect), next), baseline: "empty" };
    }
    const live = this.live();
    const before = last ?? (await baselineFromDatabase(next, live, this.options.adapter.dialect));
    return { plan: await planMigration(this.runner.db, before, next, live), baseline: last ? "snapshot" : "database" };
  }

  async generate(name: string, options: { allowDestructive?: boolean; fromEmpty?: boolean; now?: Date } = {}): Promise<GenerateResult> {
    const { plan, baseline } = await this.plan(options.fromEmpty === true);
    if (plan.steps.length === 0) return { id: undefined, dir: undefined, steps: [], baseline, downWritten: false };
    const destructive = plan.steps.filter((s) => s.destructive !== undefined);
    if (destructive.length > 0 && !options.allowDestructive) {
      const lines = destructive.map((s) => `  - ${s.description}: ${s.destructive}`).join("\n");
      const error = new DestructiveChangeError(
        `Nothing written: the migration has ${destructive.length} destructive step(s). Make the change non-destructive (optional fields, defaults, .renamedFrom()), or pass --allow-destructive to write it as planned:\n${lines}`,
        { field: "--allow-destructive" },
      );
      Object.defineProperty(error, "steps", { value: plan.steps, enumerable: true });
      throw error;
    }
    const id = this.directory.nextId(name, options.now);
    const files = renderPlan(plan, `${id}: ${plan.steps.length} step(s)`);
    const dir = this.directory.write(id, { up: files.up, down: files.down, snapshot: plan.snapshot });
    return { id, dir, steps: plan.steps, baseline, downWritten: files.down !== undefined };
  }

  status(): Promise<MigrationStatus> {
    return this.runner.status();
  }

  apply(options?: RunOptions): Promise<ApplyResult> {
    return this.runner.apply(options);
  }

  markApplied(id: string, options?: RunOptions): Promise<void> {
    return this.runner.markApplied(id, options);
  }

  down(toId: string, options?: RunOptions): Promise<{ reverted: string[] }> {
    return this.runner.down(toId, options);
  }

  /** Everything CI should fail on: file problems, pending files, models ahead of the files, and a live schema that differs from them. */
  async check(): Promise<CheckResult> {
    const status = await this.status();
    const problems: string[] = [];
    const refusal = describeRefusal(status, this.directory.path);
    for (const t of status.tampered) problems.push(`edited after apply: ${t.id} (checksum changed)`);
    for (const m of status.missing) problems.push(`missing: ${m} is applied but its folder is gone`);
    for (const o of status.outOfOrder) problems.push(`out of order: ${o.id} sorts before the applied ${o.before}`);
    for (const r of status.interrupted) problems.push(`interrupted: ${r.id} stopped after statement ${r.statementsDone} of ${r.statementsTotal}`);
    for (const p of status.pending) problems.push(`pending: ${p}`);
    if (refusal && problems.length === 0) problems.push(refusal.message);
    const last = this.directory.lastSnapshot();
    const retired: string[] = [];
    if (last) {
      const ahead = await planMigration(this.runner.db, last, this.target());
      for (const step of ahead.steps) {
        if (step.retiredColumn) retired.push(`${step.table}.${step.retiredColumn}`);
        else problems.push(`models differ from the migrations: ${step.description} (run dataflow migrate generate)`);
      }
      if (status.pending.length === 0 && status.interrupted.length === 0) problems.push(...(await this.drift(last)));
    } else if (this.target().tables.length > 0) {
      problems.push("no migration files yet (run dataflow migrate generate)");
    }
    return { ok: problems.length === 0, problems, retired, status };
  }

  /** Differences between the live database and the schema the applied migrations leave. */
  private async drift(state: SchemaState): Promise<string[]> {
    const problems: string[] = [];
    const reader = this.live();
    const d = this.options.adapter.dialect;
    for (const table of state.tables) {
      const live = await reader.table(table.table);
      if (!live) {
        problems.push(`drift: table ${table.table} is missing from the database`);
        continue;
      }
      const known = new Set(table.columns.map((c) => c.name));
      for (const c of table.columns) if (!live.columns.has(c.name)) problems.push(`drift: column ${table.table}.${c.name} is missing from the database`);
      for (const c of live.columns) if (!known.has(c)) problems.push(`drift: column ${table.table}.${c} exists in the database but in no migration`);
      for (const ix of table.indexes) if (!live.indexes.has(ix.name)) problems.push(`drift: index ${ix.name} on ${table.table} is missing from the database`);
      for (const c of table.columns) {
        const info = live.columnInfo?.get(c.name);
        if (!info || c.primaryKey || c.type === "unknown") continue;
        if (kindDiffers(d, c, info)) {
          problems.push(
            `drift: column ${table.table}.${c.name} is ${info.nativeType} (${info.kind ?? "no field kind"}) in the database, but the migrations make it ${c.type} (${kindOfType(d, c.type)})`,
          );
        } else if (info.nullable !== c.nullable) {
          problems.push(
            `drift: column ${table.table}.${c.name} is ${info.nullable ? "NULL-able" : "NOT NULL"} in the database, but the migrations make it ${c.nullable ? "NULL-able" : "NOT NULL"}`,
          );
        }
      }
      // Snapshots written before foreign keys were recorded say nothing about them.
      if (table.foreignKeys && live.foreignKeys) {
        for (const fk of table.foreignKeys) {
          if (!live.foreignKeys.some((l) => sameForeignKey(l, fk)))
            problems.push(`drift: foreign key ${fk.name} (${table.table}.${fk.column} -> ${fk.referencedTable}) is missing from the database`);
        }
        for (const fk of live.foreignKeys) {
          if (!table.foreignKeys.some((s) => sameForeignKey(s, fk)))
            problems.push(`drift: foreign key ${fk.name} (${table.table}.${fk.column} -> ${fk.referencedTable}) exists in the database but in no migration`);
        }
      }
    }
    return problems;
  }
}
