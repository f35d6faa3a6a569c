import { ValidationError, InvalidIdentifierError } from "./errors.js";
import { ownProperties } from "./own.js";
import { quoteName, shortName } from "./names.js";
import type { FieldConfig, FieldsShape, FieldDefault, FieldKind, FieldInput, FieldReference, FieldValues } from "./field.js";
import { Field } from "./field.js";
import { assertIdentifier, tableNameFor } from "./identifiers.js";
import type { ModelNodes } from "./typed.js";

export const MODEL_OPERATIONS = [
  "Create",
  "Read",
  "Update",
  "Delete",
  "List",
  "Count",
  "Upsert",
  "BulkCreate",
  "BulkUpdate",
  "BulkDelete",
  "BulkUpsert",
] as const;
export type ModelOperationName = (typeof MODEL_OPERATIONS)[number];

export interface IndexSpec {
  readonly fields: readonly string[];
  readonly unique?: boolean;
  readonly name?: string;
}

export interface ModelOptions {
  /** Table (or collection) name; default: snake_case plural of the model name. */
  readonly table?: string;
  /** `Delete` sets `deleted_at` instead of removing the row. */
  readonly softDelete?: boolean;
  /** Framework-managed `created_at` / `updated_at` (default true). */
  readonly timestamps?: boolean;
  readonly indexes?: readonly IndexSpec[];
  /**
   * Rows belong to a tenant. Needs a tenancy plugin (e.g. @dataflow/tenancy), which adds and
   * enforces the `tenant_id` column; declaring it without one is an error.
   */
  readonly tenant?: boolean;
  /**
   * The table already exists and is owned elsewhere (see `db.registerSchemaAsModels`): DataFlow runs
   * no DDL for it, whatever `autoMigrate` says, and only checks that its columns fit the model.
   */
  readonly existing?: boolean;
  /** Reads only (a database view): the write nodes refuse with `ReadOnlyModelError`. */
  readonly readOnly?: boolean;
  /**
   * The primary key field (and column), when it is not `id`: e.g. `"order_no"` for an existing
   * `orders(order_no serial primary key)`. Rows carry the key under this name; the nodes that
   * address one row (Read, Update, Delete) still take its value as `id`. Undeclared in the fields,
   * it is an auto-increment integer; declared (`account_id: field.uuid()`), it is that field.
   */
  readonly primaryKey?: string;
}

/** A column as adapters see it: user fields and system fields alike. */
export interface ModelField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly nullable: boolean;
  readonly unique: boolean;
  readonly index: boolean;
  readonly default: FieldDefault | undefined;
  readonly maxLength: number | undefined;
  readonly enumValues: readonly string[] | undefined;
  readonly dimensions: number | undefined;
  readonly precision: number | undefined;
  readonly scale: number | undefined;
  readonly primaryKey: boolean;
  readonly autoIncrement: boolean;
  /** Set by DataFlow or a plugin, never by user input (created_at, tenant_id, ...). */
  readonly system: boolean;
  /** A foreign key to another model's primary key (`field.int().references(User)`). */
  readonly references?: FieldReference | undefined;
  /** The column's previous name, declared with `.renamedFrom()`; read by migration generators only. */
  readonly renamedFrom?: string | undefined;
}

export interface ResolvedIndex {
  readonly name: string;
  readonly fields: readonly string[];
  readonly unique: boolean;
}

const TIMESTAMP_FIELDS = ["created_at", "updated_at"] as const;
export const DELETED_AT = "deleted_at";

function toModelField(name: string, declared: FieldConfig, extra: Partial<ModelField> = {}): ModelField {
  // Own properties only: an inherited `default` or `maxLength` (polluted Object.prototype) must not count.
  const config = ownProperties(declared) as unknown as FieldConfig;
  if (config.kind === "enum" && (!config.enumValues || config.enumValues.length === 0)) {
    throw new ValidationError(`Field '${name}': field.enum() needs at least one value`);
  }
  if (config.kind === "vector" && !(Number.isInteger(config.dimensions) && (config.dimensions ?? 0) > 0)) {
    throw new ValidationError(`Field '${name}': field.vector(n) needs a positive integer dimension`);
  }
  if (config.kind === "decimal") {
    const p = config.precision ?? 0;
    const sc = config.scale ?? -1;
    if (!Number.isInteger(p) || p < 1 || p > 65 || !Number.isInteger(sc) || sc < 0 || sc > p || sc > 30) {
      throw new ValidationError(`Field '${name}': decimal needs 1 <= precision <= 65 and 0 <= scale <= min(precision, 30)`);
    }
  }
  if (config.kind === "string" && !(Number.isInteger(config.maxLength) && (config.maxLength ?? 0) > 0)) {
    throw new ValidationError(`Field '${name}': maxLength must be a positive integer`);
  }
  return {
    name,
    kind: config.kind,
    nullable: config.optional,
    unique: config.unique,
    index: config.index,
    default: config.default,
    maxLength: config.maxLength,
    enumValues: config.enumValues,
    dimensions: config.dimensions,
    precision: config.precision,
    scale: config.scale,
    ...(config.renamedFrom === undefined ? {} : { renamedFrom: assertIdentifier(config.renamedFrom, `Field '${name}': renamedFrom`) }),
    primaryKey: false,
    autoIncrement: false,
    system: false,
    references: config.references,
    ...extra,
  };
}

const SYSTEM_DATETIME: FieldConfig = { kind: "datetime", optional: false, unique: false, index: false };

/**
 * A declared model. Created by `db.model()`; holds no connection and does no I/O.
 * `F` and `O` carry the declared fields and options for the `Row` / `Input` helper types.
 */
export class Model<F extends FieldsShape = FieldsShape, O extends ModelOptions = ModelOptions, Name extends string = string> {
  declare readonly __fields: F;
  declare readonly __options: O;
  /** The qualified model name as a literal type (`"User"`, `"analytics.User"`). */
  declare readonly __name: Name;

  readonly name: string;
  /** `namespace.Name` when the owning DataFlow has a namespace. */
  readonly qualifiedName: string;
  readonly table: string;
  readonly softDelete: boolean;
  readonly timestamps: boolean;
  /** Declared with `{ tenant: true }`. */
  readonly tenant: boolean;
  /** The table is owned elsewhere: no DDL (see `ModelOptions.existing`). */
  readonly existing: boolean;
  /** Write nodes refuse (see `ModelOptions.readOnly`). */
  readonly readOnly: boolean;
  /** Schema (PostgreSQL) or database (MySQL) holding the table; undefined = the connection's default. See `inSchema`. */
  readonly schema: string | undefined = undefined;
  readonly primaryKey: ModelField;
  private readonly byName = new Map<string, ModelField>();
  private ordered: ModelField[] = [];
  private extraIndexes: ResolvedIndex[] = [];
  private sealed = false;

  constructor(name: string, shape: F, declaredOptions: O = {} as O, namespace?: string) {
    const options = ownProperties(declaredOptions ?? {}) as ModelOptions;
    this.name = assertIdentifier(name, "Model name", 50);
    if (!/^[A-Za-z]/.test(name)) throw new InvalidIdentifierError(`Model name '${name}' must start with a letter`);
    this.qualifiedName = namespace ? `${namespace}.${name}` : name;
    this.table = assertIdentifier(options.table ?? tableNameFor(name), "Table name");
    this.softDelete = options.softDelete ?? false;
    this.timestamps = options.timestamps ?? true;
    this.tenant = options.tenant === true;
    this.existing = options.existing === true;
    this.readOnly = options.readOnly === true;
    if (shape === null || typeof shape !== "object") {
      throw new ValidationError(`Model '${name}': fields must be an object of field.*() declarations`);
    }

    const keyName = options.primaryKey === undefined ? "id" : assertIdentifier(options.primaryKey, `Model '${name}': primaryKey`);
    if (keyName !== "id") {
      if ((TIMESTAMP_FIELDS as readonly string[]).includes(keyName) || keyName === DELETED_AT) {
        throw new ValidationError(`Model '${name}': primaryKey '${keyName}' is a field managed by DataFlow`, { field: "primaryKey" });
      }
      if (Object.hasOwn(shape, "id")) {
        throw new ValidationError(`Model '${name}': a model whose primary key is '${keyName}' cannot also have a field named 'id'`, {
          field: "id",
          fix: "Read, Update and Delete take the key's value as 'id'; rename the field, or leave the column out (a database view can select it under another name)",
        });
      }
    }
    const idConfig = Object.hasOwn(shape, keyName) ? shape[keyName] : undefined;
    if (idConfig !== undefined) {
      if (!(idConfig instanceof Field)) throw new ValidationError(`Model '${name}': field '${keyName}' is not a field.*() declaration`, { field: keyName });
      const kind = idConfig.config.kind;
      if (!["string", "int", "bigint", "uuid"].includes(kind)) {
        throw new ValidationError(`Model '${name}': '${keyName}' must be field.string(), int(), bigint() or uuid(), not ${kind}`, { field: keyName });
      }
      if (idConfig.config.optional) throw new ValidationError(`Model '${name}': '${keyName}' cannot be optional`, { field: keyName });
      this.primaryKey = toModelField(keyName, idConfig.config, { primaryKey: true, nullable: false });
    } else {
      this.primaryKey = toModelField(
        keyName,
        { kind: "int", optional: false, unique: false, index: false },
        {
          primaryKey: true,
          autoIncrement: true,
          system: true,
        },
      );
    }
    this.push(this.primaryKey);

    for (const key of Object.keys(shape)) {
      if (key === this.primaryKey.name) continue;
      assertIdentifier(key, `Model '${name}': field name`);
      if ((TIMESTAMP_FIELDS as readonly string[]).includes(key) || key === DELETED_AT) {
        throw new ValidationError(`Model '${name}': '${key}' is managed by DataFlow`, {
          field: key,
          fix: "Remove it from the field list; turn management off with { timestamps: false }",
        });
      }
      const declared = shape[key];
      if (!(declared instanceof Field)) {
        throw new ValidationError(`Model '${name}': field '${key}' is not a field.*() declaration`, { field: key });
      }
      this.push(toModelField(key, declared.config));
    }
    if (this.timestamps) {
      for (const ts of TIMESTAMP_FIELDS) this.push(toModelField(ts, SYSTEM_DATETIME, { system: true }));
    }
    if (this.softDelete) {
      this.push(toModelField(DELETED_AT, { ...SYSTEM_DATETIME, optional: true }, { system: true }));
    }
    for (const spec of options.indexes ?? []) this.addIndex(spec);
  }

  private push(f: ModelField): void {
    // Column names compare case-insensitively on SQLite and MySQL/MariaDB: `Name` and `name` would be one column.
    const folded = f.name.toLowerCase();
    const clash = this.ordered.find((g) => g.name.toLowerCase() === folded);
    if (clash) {
      throw new ValidationError(`Model '${this.name}': fields '${clash.name}' and '${f.name}' map to the same column (names compare case-insensitively)`, {
        field: f.name,
        fix:
          clash.system || f.system
            ? `'${clash.system ? clash.name : f.name}' is managed by DataFlow or a plugin; rename the other field`
            : "Rename one of the two fields",
      });
    }
    this.byName.set(f.name, f);
    this.ordered.push(f);
  }

  private addIndex(declared: IndexSpec): void {
    const spec = ownProperties(declared ?? {}) as unknown as IndexSpec;
    if (!Array.isArray(spec.fields) || spec.fields.length === 0) {
      throw new ValidationError(`Model '${this.name}': an index needs a non-empty 'fields' array`);
    }
    for (const f of spec.fields) {
      if (!this.byName.has(f)) {
        throw new ValidationError(`Model '${this.name}': index field ${quoteName(f)} is not a field of the model`, { field: shortName(f) });
      }
    }
    const unique = spec.unique ?? false;
    const name = spec.name ? assertIdentifier(spec.name, "Index name") : `${unique ? "ux" : "ix"}_${this.table}_${spec.fields.join("_")}`;
    this.extraIndexes.push({ name, fields: [...spec.fields], unique });
  }

  /** Every column, in declaration order: id, user fields, then system fields. */
  get fields(): readonly ModelField[] {
    return this.ordered;
  }

  field(name: string): ModelField | undefined {
    return this.byName.get(name);
  }

  hasField(name: string): boolean {
    return this.byName.has(name);
  }

  get fieldNames(): string[] {
    return this.ordered.map((f) => f.name);
  }

  /** Indexes including one per `.unique()` / `.index()` field. Long names are fitted by the dialect. */
  get indexes(): readonly ResolvedIndex[] {
    const single: ResolvedIndex[] = [];
    for (const f of this.ordered) {
      if (f.primaryKey) continue;
      if (f.unique) single.push({ name: `ux_${this.table}_${f.name}`, fields: [f.name], unique: true });
      else if (f.index) single.push({ name: `ix_${this.table}_${f.name}`, fields: [f.name], unique: false });
    }
    const all = [...single, ...this.extraIndexes];
    const scope = this.scopeField;
    if (scope === undefined) return all;
    return all.map((ix) => (ix.fields.includes(scope) ? ix : { ...ix, fields: [scope, ...ix.fields] }));
  }

  /**
   * Adds a system field (for plugins such as tenancy). Only before the model's schema is first used.
   * `scopeUniques`: the field joins every unique constraint and index (e.g. `tenant_id`).
   */
  addSystemField(name: string, config: FieldConfig, options: { scopeIndexes?: boolean; acceptInput?: boolean } = {}): ModelField {
    if (this.sealed) throw new ValidationError(`Model '${this.name}' is already in use; system fields must be added at declaration`);
    assertIdentifier(name, `Model '${this.name}': system field name`);
    if (this.byName.has(name)) throw new ValidationError(`Model '${this.name}' already has a field '${name}'`, { field: name });
    const f = toModelField(name, config, { system: true });
    this.push(f);
    if (options.scopeIndexes) this.scopeField = name;
    if (options.acceptInput) this.inputSystemFields.add(name);
    return f;
  }

  /** A system field that is prefixed to every index and unique constraint (tenancy). */
  scopeField: string | undefined;
  /** System fields that input may name (a plugin then checks the value, e.g. tenant_id). */
  readonly inputSystemFields = new Set<string>();

  seal(): void {
    this.sealed = true;
  }

  /**
   * The same model stored in another schema/database (e.g. one per tenant): shares fields, indexes
   * and node types; only `schema` differs. Adapters qualify the table with it.
   */
  inSchema(schema: string): Model<F, O, Name> {
    assertIdentifier(schema, `Model '${this.name}': schema name`);
    const view = Object.create(this) as Model<F, O, Name>;
    Object.defineProperty(view, "schema", { value: schema, enumerable: true, writable: false });
    return view;
  }

  /** The node type for an operation, e.g. `User_Create` (namespaced: `analytics.User_Create`). */
  nodeType(operation: ModelOperationName): string {
    return `${this.qualifiedName}_${operation}`;
  }

  /**
   * The generated node types, e.g. `User.nodes.Create === "User_Create"`. Each is a typed node
   * reference: the type name at run time, and its params and output types for `WorkflowBuilder`.
   */
  get nodes(): ModelNodes<Model<F, O, Name>, Name> {
    const out = {} as Record<ModelOperationName, string>;
    for (const op of MODEL_OPERATIONS) out[op] = this.nodeType(op);
    return out as unknown as ModelNodes<Model<F, O, Name>, Name>;
  }
}

type Timestamps<O> = O extends { timestamps: false } ? {} : { created_at: Date; updated_at: Date };
type SoftDelete<O> = O extends { softDelete: true } ? { deleted_at: Date | null } : {};
/** The name of a model's primary key: its `primaryKey` option, else `id`. */
export type KeyName<O> = O extends { readonly primaryKey: infer K extends string } ? K : "id";
type IdOf<F, O> = KeyName<O> extends keyof F ? {} : { [P in KeyName<O>]: number };
type TenantOf<O> = O extends { tenant: true } ? { tenant_id: string } : {};

/** The row type of a model, as results return it: `Row<typeof User>`. */
export type Row<M> =
  M extends Model<infer F, infer O, any>
    ? {
        [K in keyof (FieldValues<F> & IdOf<F, O> & Timestamps<O> & SoftDelete<O> & TenantOf<O>)]: (FieldValues<F> &
          IdOf<F, O> &
          Timestamps<O> &
          SoftDelete<O> &
          TenantOf<O>)[K];
      }
    : never;

/** The create input of a model: `Input<typeof User>`. */
export type Input<M> = M extends Model<infer F, any, any> ? FieldInput<F> : never;
