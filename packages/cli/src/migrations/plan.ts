import type { Dialect } from "@dataflow/sql-core";
import { fitIdentifier, kindFamily } from "@dataflow/sql-core";
import type { FieldKind } from "@dataflow/kernel/plugin";
import type { MigrationDatabase } from "./databases.js";
import { columnSql, foreignKeySql, referencesSql } from "./databases.js";
import { MigrationError } from "./errors.js";
import type { LiveColumnInfo, LiveSchemaReader } from "./live.js";
import type { ColumnState, ForeignKeyState, IndexState, SchemaState, TableState } from "./state.js";
import { foreignKeysOf, sameForeignKey, unknownColumn } from "./state.js";

/** One change of a migration: its SQL both ways and what it risks. */
export interface Step {
  readonly table: string;
  readonly description: string;
  readonly up: readonly string[];
  /** Statements that undo `up`; undefined when it cannot be undone from the schema alone. */
  readonly down: readonly string[] | undefined;
  /** Set on a destructive step: the data or the guarantee it loses. */
  readonly destructive?: string;
  /** Set when the step drops a column retired by an earlier type change (the contract step). */
  readonly retiredColumn?: string;
  /** What a reviewer should know (backfills, later contract steps, what `down` cannot bring back). */
  readonly notes: readonly string[];
}

export interface Plan {
  readonly steps: readonly Step[];
  /** The schema after the plan, as recorded in the migration's snapshot (with retired columns). */
  readonly snapshot: SchemaState;
}

/** Suffixes of the columns of an expand/contract type change. */
export const NEW_SUFFIX = "__new";
export const RETIRED_SUFFIX = "__old";

const byName = <T extends { name: string }>(items: readonly T[]) => new Map(items.map((i) => [i.name, i]));

/** The field kind `type` (a snapshot's SQL type) is read as by the dialect, or undefined when it cannot tell. */
export function kindOfType(d: Dialect, type: string): string | undefined {
  return type === "unknown" || type === "auto-increment" ? undefined : d.catalog.discovery?.columnKind(type)?.kind;
}

/** True when the live column stores another kind of value than `column` declares (an int column that became TEXT). */
export function kindDiffers(d: Dialect, column: ColumnState, info: LiveColumnInfo): boolean {
  const wanted = kindOfType(d, column.type);
  if (wanted === undefined || column.primaryKey) return false;
  if (info.kind === undefined) return true;
  return kindFamily(info.kind as FieldKind) !== kindFamily(wanted as FieldKind);
}

/** A declared column as the live database has it: its live type when the kind differs, its live nullability. */
function asLive(d: Dialect, declared: ColumnState, info: LiveColumnInfo | undefined): ColumnState {
  if (!info || declared.primaryKey) return declared;
  if (kindDiffers(d, declared, info)) {
    return {
      name: declared.name,
      kind: info.kind ?? "unknown",
      type: info.nativeType,
      nullable: info.nullable,
      primaryKey: false,
      definition: `${d.quote(declared.name)} ${info.nativeType}${info.nullable ? "" : " NOT NULL"}`,
    };
  }
  return info.nullable === declared.nullable ? declared : { ...declared, nullable: info.nullable };
}

/**
 * The schema the database has, for the models' tables: columns named like a model field are taken
 * to match it, except where the catalog shows another kind of value or nullability; other columns
 * are known by name only. Foreign keys as the catalog lists them. Used when no migration has
 * recorded a snapshot yet.
 */
export async function baselineFromDatabase(next: SchemaState, live: LiveSchemaReader, d: Dialect): Promise<SchemaState> {
  const tables: TableState[] = [];
  for (const table of next.tables) {
    const found = await live.table(table.table);
    if (!found) continue;
    const model = byName(table.columns);
    const renamed = new Map(table.columns.filter((c) => c.renamedFrom).map((c) => [c.renamedFrom as string, c]));
    const columns = [...found.columns].map((name): ColumnState => {
      const declared = model.get(name);
      if (declared) return asLive(d, declared, found.columnInfo?.get(name));
      const target = renamed.get(name);
      if (target) return { ...target, name, definition: target.definition.replace(/^\S+/, name) };
      return unknownColumn(name);
    });
    const indexes = table.indexes.filter((ix) => found.indexes.has(ix.name));
    // A reader that does not list foreign keys: they are taken to match the models, like the columns.
    const foreignKeys = found.foreignKeys ?? foreignKeysOf(table);
    tables.push({ table: table.table, model: table.model, columns, indexes, foreignKeys });
  }
  return { format: 1, dialect: next.dialect, tables };
}

async function counted(work: () => Promise<number>): Promise<string> {
  try {
    return String(await work());
  } catch {
    return "an unknown number of";
  }
}

/** True when every value of `from` fits `to` unchanged. */
function widens(from: ColumnState, to: ColumnState): boolean {
  const length = (type: string) => Number(/\((\d+)\)/.exec(type)?.[1] ?? Number.NaN);
  if (to.kind === "text") return true;
  if (from.kind === "string" && to.kind === "string") return length(to.type) >= length(from.type);
  if (from.kind === "int") return ["bigint", "float", "decimal", "string"].includes(to.kind);
  if (to.kind === "string") return ["int", "bigint", "uuid", "date", "boolean"].includes(from.kind) && length(to.type) >= 40;
  return false;
}

interface TablePlanner {
  readonly db: MigrationDatabase;
  readonly live: LiveSchemaReader | undefined;
  /** Foreign keys dropped before any table or column changes (a referenced column or table may go next). */
  readonly early: Step[];
  readonly steps: Step[];
  /** Foreign keys added after every table and column exists. */
  readonly late: Step[];
}

function createTableSql(db: MigrationDatabase, table: TableState, foreignKeys = foreignKeysOf(table)): string[] {
  const d = db.dialect;
  const columns = [...table.columns.map((c) => c.definition || columnSql(d, c)), ...foreignKeys.map((fk) => foreignKeySql(d, fk))];
  return [
    `CREATE TABLE ${d.quote(table.table)} (${columns.join(", ")})${d.createTableSuffix}`,
    ...table.indexes.map((ix) => createIndexSql(db, table.table, ix)),
  ];
}

function createIndexSql(db: MigrationDatabase, table: string, ix: IndexState): string {
  const d = db.dialect;
  return `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${d.quote(ix.name)} ON ${d.quote(table)} (${ix.fields.map((f) => d.quote(f)).join(", ")})`;
}

function addColumnSql(db: MigrationDatabase, table: string, column: ColumnState, name = column.name, nullable = column.nullable, fk?: ForeignKeyState): string {
  const d = db.dialect;
  return `ALTER TABLE ${d.quote(table)} ADD COLUMN ${columnSql(d, column, name, nullable)}${fk ? ` ${referencesSql(d, fk)}` : ""}`;
}

function describeForeignKey(fk: ForeignKeyState): string {
  return `${fk.name} (${fk.column} -> ${fk.referencedTable}.${fk.referencedColumn}, on delete ${fk.onDelete.toLowerCase()}, on update ${fk.onUpdate.toLowerCase()})`;
}

/** A foreign key added to an existing table. SQLite cannot add one in place: the step only describes it and the table is rebuilt. */
function addForeignKeyStep(db: MigrationDatabase, table: string, fk: ForeignKeyState): Step {
  const inPlace = db.addForeignKey !== undefined && db.dropForeignKey !== undefined;
  return {
    table,
    description: `add foreign key ${describeForeignKey(fk)} on ${table}`,
    up: inPlace ? [db.addForeignKey?.(table, fk) as string] : [],
    down: inPlace ? [db.dropForeignKey?.(table, fk.name) as string] : [],
    notes: [`Fails if rows of ${table} reference ${fk.referencedTable} rows that do not exist`],
  };
}

/** `because`: the key goes with its column, or is re-created on the column's new name or type; else it is a lost guarantee. */
function dropForeignKeyStep(db: MigrationDatabase, table: string, fk: ForeignKeyState, because: "column dropped" | "replaced" | undefined): Step {
  const inPlace = db.addForeignKey !== undefined && db.dropForeignKey !== undefined;
  return {
    table,
    description: `drop foreign key ${describeForeignKey(fk)} on ${table}`,
    up: inPlace ? [db.dropForeignKey?.(table, fk.name) as string] : [],
    down: inPlace ? [db.addForeignKey?.(table, fk) as string] : [],
    ...(because
      ? {}
      : {
          destructive: `drops foreign key ${fk.name} on ${table}.${fk.column}: rows may then reference ${fk.referencedTable} rows that do not exist${fk.onDelete === "CASCADE" ? `, and deleting a ${fk.referencedTable} row no longer deletes its ${table} rows` : ""}`,
        }),
    notes: because === "column dropped" ? [`The column ${fk.column} is dropped too`] : because === "replaced" ? ["Re-created below on the changed column"] : [],
  };
}

function dropColumnSql(db: MigrationDatabase, table: string, column: string): string {
  return `ALTER TABLE ${db.dialect.quote(table)} DROP COLUMN ${db.dialect.quote(column)}`;
}

function renameColumnSql(db: MigrationDatabase, table: string, from: string, to: string): string {
  const d = db.dialect;
  return `ALTER TABLE ${d.quote(table)} RENAME COLUMN ${d.quote(from)} TO ${d.quote(to)}`;
}

/**
 * SQLite changes nullability, defaults, foreign keys and unique constraints by copying the table: a new table with the target
 * columns, the rows copied, the old table dropped and the new one renamed, its indexes recreated.
 */
function rebuildSql(db: MigrationDatabase, table: TableState): string[] {
  const d = db.dialect;
  const temp = fitIdentifier(`${table.table}__rebuild`, d.maxIdentifierLength);
  const names = table.columns.map((c) => d.quote(c.name)).join(", ");
  const defs = [...table.columns.map((c) => (c.primaryKey ? c.definition : columnSql(d, c))), ...foreignKeysOf(table).map((fk) => foreignKeySql(d, fk))];
  return [
    `CREATE TABLE ${d.quote(temp)} (${defs.join(", ")})${d.createTableSuffix}`,
    `INSERT INTO ${d.quote(temp)} (${names}) SELECT ${names} FROM ${d.quote(table.table)}`,
    `DROP TABLE ${d.quote(table.table)}`,
    `ALTER TABLE ${d.quote(temp)} RENAME TO ${d.quote(table.table)}`,
    ...table.indexes.map((ix) => createIndexSql(db, table.table, ix)),
  ];
}

async function planTable(p: TablePlanner, before: TableState, after: TableState): Promise<TableState> {
  const { db, live } = p;
  const d = db.dialect;
  const t = after.table;
  const old = byName(before.columns);
  const steps: Step[] = [];
  const columns: ColumnState[] = [];
  const consumed = new Set<string>();
  const retired: ColumnState[] = [];
  const renames = new Map<string, string>();
  // Columns whose type changes (after names), and the previous name -> retired name of each.
  const retyped = new Set<string>();
  const retiredFrom = new Map<string, string>();
  const inPlaceKeys = db.addForeignKey !== undefined && db.dropForeignKey !== undefined;
  const beforeFks = foreignKeysOf(before);
  // Columns whose nullability or default SQLite must change by rebuilding the table, with the state to rebuild back to.
  let rebuild = false;
  const rebuildBack = new Map<string, ColumnState>();

  for (const column of after.columns) {
    let previous = old.get(column.name);
    let current = column.name;
    if (!previous && column.renamedFrom && old.has(column.renamedFrom) && !after.columns.some((c) => c.name === column.renamedFrom)) {
      previous = old.get(column.renamedFrom) as ColumnState;
      renames.set(previous.name, column.name);
      steps.push({
        table: t,
        description: `rename column ${t}.${previous.name} to ${column.name}`,
        up: [renameColumnSql(db, t, previous.name, column.name)],
        down: [renameColumnSql(db, t, column.name, previous.name)],
        notes: [`Remove .renamedFrom("${previous.name}") from the field once every database has applied this migration`],
      });
      current = column.name;
    }
    if (!previous) {
      columns.push(column);
      const rows = column.nullable || column.default !== undefined || !live ? undefined : await counted(() => live.rowCount(t));
      const needsValue = rows !== undefined && rows !== "0";
      const sqliteRequired = !column.nullable && column.default === undefined && !db.setNullable;
      steps.push({
        table: t,
        description: `add column ${t}.${column.name}`,
        up: [addColumnSql(db, t, column, column.name, sqliteRequired ? true : column.nullable)],
        down: [dropColumnSql(db, t, column.name)],
        ...(needsValue
          ? {
              destructive: `${t} has ${rows} rows and the new NOT NULL column ${column.name} has no default: the statement fails, or fills those rows with a made-up value`,
            }
          : {}),
        notes: needsValue ? ["Give the field a default, or add it as optional, backfill it, then make it required"] : [],
      });
      if (sqliteRequired) {
        rebuild = true;
        rebuildBack.set(column.name, { ...column, nullable: true });
      }
      continue;
    }
    consumed.add(previous.name);
    if (previous.type === "unknown") {
      columns.push(column);
      continue;
    }
    if (previous.primaryKey || column.primaryKey) {
      if (previous.type !== column.type || previous.primaryKey !== column.primaryKey) {
        throw new MigrationError(`The primary key of ${t} changes (${previous.name} ${previous.type} -> ${column.name} ${column.type})`, {
          field: column.name,
          fix: "Primary keys are not migrated automatically: write this migration by hand (a new table, copy, switch)",
        });
      }
      columns.push(column);
      continue;
    }
    if (previous.type !== column.type || (previous.check ?? "") !== (column.check ?? "")) {
      const step = await typeChange(p, t, { ...previous, name: current }, column);
      steps.push(step.step);
      retired.push(step.retired);
      retyped.add(column.name);
      retiredFrom.set(previous.name, step.retired.name);
      columns.push(column);
      if (!db.setNullable) {
        rebuild = true;
        rebuildBack.set(step.retired.name, { ...previous, name: step.retired.name });
        if (!column.nullable) rebuildBack.set(column.name, { ...column, nullable: true });
      }
      continue;
    }
    if (previous.kind !== column.kind) {
      steps.push({
        table: t,
        description: `${t}.${column.name}: field kind ${previous.kind} -> ${column.kind}, column type stays ${column.type}`,
        up: [],
        down: [],
        notes: ["Existing values are not converted or checked; make sure they are valid for the new kind"],
      });
    }
    columns.push(column);
    if (previous.nullable !== column.nullable) {
      let destructive: string | undefined;
      const up: string[] = [];
      const notes: string[] = [];
      if (!column.nullable) {
        const nulls = live ? await counted(() => live.nullCount(t, current)) : "0";
        if (nulls !== "0" && column.default !== undefined) {
          up.push(`UPDATE ${d.quote(t)} SET ${d.quote(current)} = ${column.default} WHERE ${d.quote(current)} IS NULL`);
          notes.push(`Rows where ${column.name} is NULL (${nulls}) get the field's default`);
        } else if (nulls !== "0") {
          destructive = `${nulls} rows of ${t} have NULL in ${column.name}, which becomes required: the change fails until they have values`;
          notes.push("Give the field a default, or fill those rows in a migration before this one");
        }
      }
      if (db.setNullable) up.push(db.setNullable(t, column, column.nullable));
      else {
        rebuild = true;
        rebuildBack.set(column.name, { ...column, nullable: previous.nullable });
      }
      steps.push({
        table: t,
        description: `${t}.${column.name} becomes ${column.nullable ? "optional (NULL allowed)" : "required (NOT NULL)"}`,
        up,
        down: db.setNullable ? [db.setNullable(t, { ...column, nullable: previous.nullable }, previous.nullable)] : [],
        ...(destructive ? { destructive } : {}),
        notes,
      });
    }
    if ((previous.default ?? "") !== (column.default ?? "")) {
      const up = db.setDefault ? [db.setDefault(t, column.name, column.default)] : [];
      if (!db.setDefault) {
        rebuild = true;
        rebuildBack.set(column.name, { ...(rebuildBack.get(column.name) ?? column), default: previous.default });
      }
      steps.push({
        table: t,
        description: `${t}.${column.name}: default ${previous.default ?? "none"} -> ${column.default ?? "none"}`,
        up,
        down: db.setDefault ? [db.setDefault(t, column.name, previous.default)] : [],
        notes: [],
      });
    }
  }

  for (const column of before.columns) {
    if (consumed.has(column.name) || renames.has(column.name)) continue;
    const values = live ? await counted(() => live.valueCount(t, column.name)) : "an unknown number of";
    // SQLite cannot drop a column of a foreign key: the table rebuild leaves it out, and down adds it back with its REFERENCES.
    const sqliteKey = inPlaceKeys ? undefined : beforeFks.find((fk) => fk.column === column.name);
    if (sqliteKey) rebuild = true;
    steps.push({
      table: t,
      description: `drop column ${t}.${column.name}`,
      up: sqliteKey ? [] : [dropColumnSql(db, t, column.name)],
      down: column.type === "unknown" ? undefined : [addColumnSql(db, t, column, column.name, true, sqliteKey)],
      destructive: `drops column ${t}.${column.name} and its ${values} non-NULL values`,
      ...(column.name.endsWith(RETIRED_SUFFIX) ? { retiredColumn: column.name } : {}),
      notes:
        column.type === "unknown" ? ["The column's definition is not recorded, so no down migration can re-create it"] : ["down re-creates the column empty"],
    });
  }

  // Foreign keys are matched by what they constrain, not by name, so a key a DBA named otherwise is kept (under its own name).
  const afterFks = foreignKeysOf(after);
  const keptFks: ForeignKeyState[] = [];
  const matched = new Set<ForeignKeyState>();
  for (const fk of afterFks) {
    const previous = retyped.has(fk.column) ? undefined : beforeFks.find((b) => !matched.has(b) && sameForeignKey(b, fk));
    if (previous) {
      matched.add(previous);
      keptFks.push(previous);
      continue;
    }
    keptFks.push(fk);
    const step = addForeignKeyStep(db, t, fk);
    if (inPlaceKeys) p.late.push(step);
    else {
      steps.push(step);
      rebuild = true;
    }
  }
  for (const fk of beforeFks) {
    if (matched.has(fk)) continue;
    const now = renames.get(fk.column) ?? fk.column;
    const replaced = afterFks.some((a) => a.column === now);
    const step = dropForeignKeyStep(db, t, fk, !consumed.has(fk.column) ? "column dropped" : replaced ? "replaced" : undefined);
    if (inPlaceKeys) p.early.push(step);
    else {
      steps.push(step);
      rebuild = true;
    }
  }

  const snapshotColumns = [...columns, ...retired];
  const tableAfter: TableState = { ...after, columns: snapshotColumns, foreignKeys: keptFks };
  const indexSteps = planIndexes(db, before, tableAfter, renames, retired);
  const rebuildSteps: Step[] = [];
  if (rebuild || indexSteps.rebuild) {
    const backColumns = snapshotColumns.map((c) => rebuildBack.get(c.name) ?? c);
    const present = new Set(backColumns.map((c) => c.name));
    // The keys the table had, on the columns as they are named when down reaches this step.
    const backFks = beforeFks.flatMap((fk) => {
      const column = retiredFrom.get(fk.column) ?? renames.get(fk.column) ?? fk.column;
      return present.has(column) ? [{ ...fk, column }] : [];
    });
    const back: TableState = { ...tableAfter, columns: backColumns, foreignKeys: backFks };
    rebuildSteps.push({
      table: t,
      description: `rebuild ${t} (SQLite changes NOT NULL, defaults, foreign keys and unique constraints by copying the table)`,
      up: rebuildSql(db, tableAfter),
      down: rebuildSql(db, back),
      notes: ["The rows are copied into a new table inside the migration's transaction"],
    });
  }
  p.steps.push(...indexSteps.drops, ...steps, ...indexSteps.creates, ...rebuildSteps);
  return tableAfter;
}

/** Expand/contract: a new column of the new type, backfilled, switched in by renames; the old column stays, retired. */
async function typeChange(p: TablePlanner, t: string, previous: ColumnState, column: ColumnState): Promise<{ step: Step; retired: ColumnState }> {
  const { db } = p;
  const d = db.dialect;
  const temp = fitIdentifier(`${column.name}${NEW_SUFFIX}`, d.maxIdentifierLength);
  const retiredName = fitIdentifier(`${column.name}${RETIRED_SUFFIX}`, d.maxIdentifierLength);
  const up = [addColumnSql(db, t, column, temp, true), db.backfill(t, temp, previous.name, column.type)];
  if (!column.nullable && db.setNullable) up.push(db.setNullable(t, { ...column, name: temp }, false));
  up.push(renameColumnSql(db, t, previous.name, retiredName), renameColumnSql(db, t, temp, column.name));
  // The retired column must not reject rows written by the new code, which no longer sets it.
  if (!previous.nullable && db.setNullable) up.push(db.setNullable(t, { ...previous, name: retiredName }, true));
  const down = [renameColumnSql(db, t, column.name, temp), renameColumnSql(db, t, retiredName, previous.name)];
  if (!previous.nullable && db.setNullable) down.push(db.setNullable(t, previous, false));
  down.push(dropColumnSql(db, t, temp));
  const narrowing = !widens(previous, column);
  return {
    step: {
      table: t,
      description: `${t}.${column.name}: type ${previous.type} -> ${column.type} (expand/contract)`,
      up,
      down,
      ...(narrowing
        ? {
            destructive: `narrows ${t}.${column.name} from ${previous.type} to ${column.type}: values that do not fit fail the backfill (or, where the database converts loosely, change)`,
          }
        : {}),
      notes: [
        `expand: adds ${temp} (${column.type}) and copies every value converted`,
        `switch: ${previous.name} becomes ${retiredName} (kept, now optional) and ${temp} becomes ${column.name}`,
        `contract later: once nothing reads ${retiredName}, generate a migration with --allow-destructive; it drops ${retiredName}`,
        "down: values written after this migration are lost",
      ],
    },
    retired: {
      ...previous,
      name: retiredName,
      nullable: true,
      primaryKey: false,
      renamedFrom: undefined,
      definition: columnSql(d, previous, retiredName, true),
    },
  };
}

function planIndexes(
  db: MigrationDatabase,
  before: TableState,
  after: TableState,
  renames: ReadonlyMap<string, string>,
  retired: readonly ColumnState[],
): { drops: Step[]; creates: Step[]; rebuild: boolean } {
  const t = after.table;
  const newIndexes = byName(after.indexes);
  const retiredSources = new Set(retired.map((c) => c.name.slice(0, -RETIRED_SUFFIX.length)));
  const key = (ix: IndexState, map: (f: string) => string) => `${ix.unique}:${ix.fields.map(map).join(",")}`;
  const same = (a: IndexState, b: IndexState) => key(a, (f) => renames.get(f) ?? f) === key(b, (f) => f);
  const drops: Step[] = [];
  const creates: Step[] = [];
  const kept = new Set<string>();
  let rebuild = false;
  for (const ix of before.indexes) {
    const match = newIndexes.get(ix.name);
    // An index over a column that changes type is rebuilt on the new column.
    if (match && same(ix, match) && !ix.fields.some((f) => retiredSources.has(f))) {
      kept.add(ix.name);
      continue;
    }
    const replaced = ix.unique && after.indexes.some((n) => same(ix, n));
    const byRebuild = ix.unique && db.dropsUniqueByRebuild === true;
    rebuild ||= byRebuild;
    drops.push({
      table: t,
      description: `drop ${ix.unique ? "unique " : ""}index ${ix.name} on ${t}`,
      up: byRebuild ? [] : [db.dropIndex(t, ix.name)],
      down: [createIndexSql(db, t, ix)],
      ...(ix.unique && !replaced ? { destructive: `drops unique index ${ix.name} on ${t} (${ix.fields.join(", ")}): duplicate values become possible` } : {}),
      notes: byRebuild ? ["SQLite: the table is rebuilt without it (an inline UNIQUE cannot be dropped otherwise)"] : [],
    });
  }
  for (const ix of after.indexes) {
    if (kept.has(ix.name)) continue;
    creates.push({
      table: t,
      description: `create ${ix.unique ? "unique " : ""}index ${ix.name} on ${t}`,
      up: [createIndexSql(db, t, ix)],
      down: [db.dropIndex(t, ix.name)],
      notes: ix.unique ? ["Fails if existing rows have duplicate values"] : [],
    });
  }
  return { drops, creates, rebuild };
}

/** The steps that turn `before` into `after`. `live` (when given) supplies row counts for the risk descriptions. */
export async function planMigration(db: MigrationDatabase, before: SchemaState, after: SchemaState, live?: LiveSchemaReader): Promise<Plan> {
  if (before.dialect !== after.dialect) {
    throw new MigrationError(`The last migration's snapshot is for ${before.dialect}, but the database is ${after.dialect}`, {
      fix: "Keep one migrations folder per database kind (set `migrations` in dataflow.config.ts)",
    });
  }
  const d = db.dialect;
  const planner: TablePlanner = { db, live, early: [], steps: [], late: [] };
  const oldTables = new Map(before.tables.map((t) => [t.table, t]));
  const created = new Set<string>();
  const planned = new Map<string, TableState>();
  const newTables = after.tables.filter((t) => !oldTables.has(t.table));
  // New tables first, referenced ones before the tables referencing them; SQLite accepts a reference to a table it has not seen yet, the others need it to exist.
  for (const next of creationOrder(newTables)) {
    const inline = foreignKeysOf(next).filter(
      (fk) =>
        db.addForeignKey === undefined ||
        fk.referencedTable === next.table ||
        created.has(fk.referencedTable) ||
        !newTables.some((n) => n.table === fk.referencedTable && fk.referencedSchema === undefined),
    );
    planner.steps.push({
      table: next.table,
      description: `create table ${next.table}`,
      up: createTableSql(db, next, inline),
      down: [`DROP TABLE ${d.quote(next.table)}`],
      notes: [],
    });
    // A cycle of references: the keys that close it are added once every table exists.
    for (const fk of foreignKeysOf(next)) if (!inline.includes(fk)) planner.late.push(addForeignKeyStep(db, next.table, fk));
    created.add(next.table);
    planned.set(next.table, next);
  }
  for (const table of after.tables) {
    const previous = oldTables.get(table.table);
    if (previous) planned.set(table.table, await planTable(planner, previous, table));
  }
  const tables = after.tables.map((t) => planned.get(t.table) as TableState);
  const kept = new Set(after.tables.map((t) => t.table));
  // A table is dropped before the tables it references.
  for (const table of creationOrder(before.tables.filter((t) => !kept.has(t.table))).reverse()) {
    const rows = live ? await counted(() => live.rowCount(table.table)) : "an unknown number of";
    const known = table.columns.every((c) => c.type !== "unknown");
    planner.steps.push({
      table: table.table,
      description: `drop table ${table.table}`,
      up: [`DROP TABLE ${d.quote(table.table)}`],
      down: known ? createTableSql(db, table) : undefined,
      destructive: `drops table ${table.table} (model ${table.model}) and its ${rows} rows`,
      notes: known ? ["down re-creates the table empty"] : [],
    });
  }
  return { steps: [...planner.early, ...planner.steps, ...planner.late], snapshot: { format: 1, dialect: after.dialect, tables } };
}

/** Tables ordered so that each comes after the tables it references (a cycle is broken at the first table left). */
function creationOrder(tables: readonly TableState[]): TableState[] {
  const pending = new Map(tables.map((t) => [t.table, t]));
  const ordered: TableState[] = [];
  while (pending.size > 0) {
    const waiting = [...pending.values()];
    const ready =
      waiting.find((t) => foreignKeysOf(t).every((fk) => fk.referencedTable === t.table || !pending.has(fk.referencedTable))) ?? (waiting[0] as TableState);
    ordered.push(ready);
    pending.delete(ready.table);
  }
  return ordered;
}

/** Renders a plan as the files of a migration. */
export function renderPlan(plan: Plan, header: string): { up: string; down: string | undefined } {
  const lines = [`-- ${header}`, "-- Generated by `dataflow migrate generate`. Review before applying; the file's checksum is recorded when applied.", ""];
  for (const step of plan.steps) {
    lines.push(`-- ${step.description}`);
    if (step.destructive) lines.push(`-- DESTRUCTIVE: ${step.destructive}`);
    for (const note of step.notes) lines.push(`--   ${note}`);
    for (const sql of step.up) lines.push(`${sql};`);
    lines.push("");
  }
  const reversible = plan.steps.every((s) => s.down !== undefined);
  if (!reversible) return { up: lines.join("\n"), down: undefined };
  const down = [`-- Undoes: ${header}`, ""];
  for (const step of [...plan.steps].reverse()) {
    if ((step.down ?? []).length === 0) continue;
    down.push(`-- undo: ${step.description}`);
    for (const sql of step.down ?? []) down.push(`${sql};`);
    down.push("");
  }
  return { up: lines.join("\n"), down: down.join("\n") };
}
