import type { Model, ModelField } from "@dataflow/kernel/plugin";
import type { Dialect } from "@dataflow/sql-core";
import { columnDefinition, foreignKeyOf, indexName } from "@dataflow/sql-core";

/**
 * The schema a set of migrations leaves behind, as plain JSON (stored next to each migration as
 * `snapshot.json`). Column types are the dialect's SQL types, so a snapshot belongs to one database kind.
 */
export interface ColumnState {
  readonly name: string;
  /** DataFlow field kind; "unknown" for a column only the database knows. */
  readonly kind: string;
  /** SQL type, e.g. `VARCHAR(255)`; "unknown" when not known. */
  readonly type: string;
  readonly nullable: boolean;
  /** SQL literal of the default, when the column has one. */
  readonly default?: string | undefined;
  /** SQL of the column's CHECK (enum values), when it has one. */
  readonly check?: string | undefined;
  readonly primaryKey: boolean;
  /** The full column definition as CREATE TABLE writes it. */
  readonly definition: string;
  /** The field's previous name (`.renamedFrom()`); not compared. */
  readonly renamedFrom?: string | undefined;
}

export interface IndexState {
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
}

/** A foreign key of one column to another table's primary key, named as DataFlow names it (`fk_<table>_<column>`). */
export interface ForeignKeyState {
  readonly name: string;
  readonly column: string;
  readonly referencedTable: string;
  /** Set when the referenced table lives in another schema (a model with `inSchema`). */
  readonly referencedSchema?: string | undefined;
  readonly referencedColumn: string;
  /** Upper-case SQL rule: `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION`, `SET DEFAULT`. */
  readonly onDelete: string;
  readonly onUpdate: string;
}

export interface TableState {
  readonly table: string;
  readonly model: string;
  readonly columns: readonly ColumnState[];
  readonly indexes: readonly IndexState[];
  /** Absent in snapshots written before foreign keys were migrated: read as none. */
  readonly foreignKeys?: readonly ForeignKeyState[];
}

export interface SchemaState {
  readonly format: 1;
  /** `db.system.name` of the dialect: postgresql, mysql, sqlite. */
  readonly dialect: string;
  readonly tables: readonly TableState[];
}

function staticDefault(dialect: Dialect, field: ModelField): string | undefined {
  const def = field.default;
  if (!def || !("value" in def) || def.value === null) return undefined;
  return dialect.defaultLiteral(field, def.value);
}

export function columnState(dialect: Dialect, field: ModelField): ColumnState {
  const definition = columnDefinition(dialect, field);
  const check = definition.includes(" CHECK (") ? definition.slice(definition.indexOf(" CHECK (") + 1) : undefined;
  const isTimestamp = field.system && (field.name === "created_at" || field.name === "updated_at");
  return {
    name: field.name,
    kind: field.kind,
    type: field.primaryKey && field.autoIncrement ? "auto-increment" : dialect.columnType(field),
    nullable: field.nullable,
    default: isTimestamp ? dialect.nowExpression : staticDefault(dialect, field),
    check,
    primaryKey: field.primaryKey,
    definition,
    renamedFrom: field.renamedFrom,
  };
}

export function tableState(dialect: Dialect, model: Model): TableState {
  return {
    table: model.table,
    model: model.name,
    columns: model.fields.map((f) => columnState(dialect, f)),
    indexes: model.indexes.map((ix) => ({ name: indexName(dialect, ix), fields: [...ix.fields], unique: ix.unique })),
    foreignKeys: model.fields.flatMap((f) => {
      const fk = foreignKeyOf(dialect, model, f);
      if (!fk || !f.references) return [];
      const schema = f.references.target().schema ?? model.schema;
      return [
        {
          name: fk.name,
          column: fk.column,
          referencedTable: fk.referencedTable,
          ...(schema === undefined ? {} : { referencedSchema: schema }),
          referencedColumn: fk.referencedColumn,
          onDelete: fk.onDelete,
          onUpdate: fk.onUpdate,
        },
      ];
    }),
  };
}

/** The table's foreign keys (none in a snapshot from before they were recorded). */
export function foreignKeysOf(table: TableState): readonly ForeignKeyState[] {
  return table.foreignKeys ?? [];
}

/** `NO ACTION` and `RESTRICT` differ only for deferred checks, which DataFlow never declares: MySQL reports either for the other. */
const rule = (action: string) => (action === "RESTRICT" ? "NO ACTION" : action);

/** Two keys that constrain the same column the same way, whatever their names. */
export function sameForeignKey(a: ForeignKeyState, b: ForeignKeyState): boolean {
  return (
    a.column === b.column &&
    a.referencedTable === b.referencedTable &&
    (a.referencedSchema ?? "") === (b.referencedSchema ?? "") &&
    a.referencedColumn === b.referencedColumn &&
    rule(a.onDelete) === rule(b.onDelete) &&
    rule(a.onUpdate) === rule(b.onUpdate)
  );
}

/**
 * The schema the models declare. Not migrated by files: models placed in another schema (`inSchema`,
 * tenancy), views (`readOnly`) and tables owned elsewhere (`existing`), on which DataFlow runs no DDL.
 */
export function modelState(dialect: Dialect, models: readonly Model[]): SchemaState {
  const migrated = models.filter((m) => m.schema === undefined && !m.readOnly && !m.existing);
  return { format: 1, dialect: dialect.name, tables: migrated.map((m) => tableState(dialect, m)) };
}

export function emptyState(dialect: Dialect): SchemaState {
  return { format: 1, dialect: dialect.name, tables: [] };
}

/** A column the database has but whose definition nobody recorded. */
export function unknownColumn(name: string): ColumnState {
  return { name, kind: "unknown", type: "unknown", nullable: true, primaryKey: false, definition: "" };
}
