import { randomUUID } from "./random.js";
import { ValidationError } from "./errors.js";
import { own, ownProperties } from "./own.js";

function isReferenceTarget(value: unknown): value is ReferenceTarget {
  const v = value as Partial<ReferenceTarget> | null;
  return typeof v === "object" && v !== null && typeof v.table === "string" && typeof v.primaryKey?.name === "string";
}

export type FieldKind = "string" | "text" | "int" | "bigint" | "float" | "decimal" | "boolean" | "datetime" | "date" | "json" | "uuid" | "enum" | "vector";

export type FieldDefault = { readonly value: unknown } | { readonly generate: () => unknown };

/** What a foreign key does when the referenced row is deleted or its key updated. */
export type ReferentialAction = "cascade" | "restrict" | "set null" | "set default" | "no action";

export const REFERENTIAL_ACTIONS: readonly ReferentialAction[] = Object.freeze(["cascade", "restrict", "set null", "set default", "no action"]);

/** What a reference points at: a model (structurally, so fields need not import models). */
export interface ReferenceTarget {
  readonly name: string;
  readonly table: string;
  readonly schema: string | undefined;
  readonly primaryKey: { readonly name: string; readonly kind: FieldKind };
}

export interface ReferenceOptions {
  /** Default "no action": deleting a referenced row fails with ForeignKeyViolationError. */
  readonly onDelete?: ReferentialAction;
  /** Default "no action". */
  readonly onUpdate?: ReferentialAction;
}

/** A foreign key: the field holds the primary key of a row of `target()`. */
export interface FieldReference {
  /** The referenced model; a function so that models may reference each other (or themselves). */
  readonly target: () => ReferenceTarget;
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

export interface FieldConfig {
  readonly kind: FieldKind;
  readonly optional: boolean;
  readonly unique: boolean;
  readonly index: boolean;
  readonly default?: FieldDefault;
  /** `string` only: the column length (characters). */
  readonly maxLength?: number;
  readonly enumValues?: readonly string[];
  readonly dimensions?: number;
  /** `decimal` only: total digits and digits after the point. */
  readonly precision?: number;
  readonly scale?: number;
  /** A foreign key to another model's primary key (see `Field.references`). */
  readonly references?: FieldReference;
  /** The column's previous name: migrations rename it instead of dropping and adding (`renamedFrom`). */
  readonly renamedFrom?: string;
}

/**
 * A field declaration. Immutable: every modifier returns a new field.
 * The type parameters carry the value type, optionality and whether a default exists.
 */
export class Field<T, Opt extends boolean = false, Def extends boolean = false> {
  declare readonly __value: T;
  declare readonly __optional: Opt;
  declare readonly __hasDefault: Def;

  constructor(readonly config: FieldConfig) {}

  /** The column is nullable and may be omitted on create. */
  optional(): Field<T, true, Def> {
    return new Field({ ...this.config, optional: true });
  }

  /** A value, or a function called for every created row. */
  default(value: T | (() => T)): Field<T, Opt, true> {
    const def: FieldDefault = typeof value === "function" ? { generate: value as () => unknown } : { value };
    return new Field({ ...this.config, default: def });
  }

  unique(): Field<T, Opt, Def> {
    return new Field({ ...this.config, unique: true });
  }

  index(): Field<T, Opt, Def> {
    return new Field({ ...this.config, index: true });
  }

  /**
   * A foreign key to `target`'s primary key: `field.int().references(User, { onDelete: "cascade" })`.
   * Pass `() => User` when the model is declared later (or references itself). The field's kind must
   * match the target's primary key kind (int and bigint are interchangeable).
   */
  references(target: ReferenceTarget | (() => ReferenceTarget), options: ReferenceOptions = {}): Field<T, Opt, Def> {
    const read = ownProperties(options ?? {}) as ReferenceOptions;
    for (const key of Object.keys(read)) {
      if (key !== "onDelete" && key !== "onUpdate") {
        throw new ValidationError(`Unknown references() option '${key}'`, { field: key, fix: "Known options: onDelete, onUpdate" });
      }
    }
    for (const key of ["onDelete", "onUpdate"] as const) {
      const action = read[key];
      if (action !== undefined && !REFERENTIAL_ACTIONS.includes(action)) {
        throw new ValidationError(`references(): ${key} must be one of ${REFERENTIAL_ACTIONS.map((a) => `"${a}"`).join(", ")}`, { field: key });
      }
    }
    if (typeof target !== "function" && !isReferenceTarget(target)) {
      throw new ValidationError("references() takes a model, or a function returning one", { field: "references" });
    }
    const resolve = typeof target === "function" ? target : () => target;
    return new Field({
      ...this.config,
      references: {
        target: () => {
          const model = resolve();
          if (!isReferenceTarget(model)) throw new ValidationError("The function given to references() did not return a model", { field: "references" });
          return model;
        },
        onDelete: read.onDelete ?? "no action",
        onUpdate: read.onUpdate ?? "no action",
      },
    });
  }

  /**
   * The column had this name before: a generated migration renames it instead of dropping the old
   * column and adding a new one. Remove it once every database has applied that migration.
   */
  renamedFrom(previousName: string): Field<T, Opt, Def> {
    return new Field({ ...this.config, renamedFrom: previousName });
  }

  /** `uuid` fields: a random v4 UUID when none is given. */
  defaultRandom(): Field<T, Opt, true> {
    if (this.config.kind !== "uuid") {
      throw new ValidationError("defaultRandom() is only available on field.uuid()");
    }
    return new Field({ ...this.config, default: { generate: randomUUID } });
  }
}

export type AnyField = Field<any, boolean, boolean>;
export type FieldsShape = Record<string, AnyField>;

function make<T>(kind: FieldKind, extra: Partial<FieldConfig> = {}): Field<T> {
  return new Field<T>({ kind, optional: false, unique: false, index: false, ...extra });
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const field = {
  /** Short text, `VARCHAR(maxLength)` (default 255). */
  string: (options: { maxLength?: number } = {}) => make<string>("string", { maxLength: (own(options, "maxLength") as number | undefined) ?? 255 }),
  /** Unbounded text. */
  text: () => make<string>("text"),
  /** A safe integer (`number`). */
  int: () => make<number>("int"),
  /** A 64-bit integer, returned as `bigint`. */
  bigint: () => make<bigint>("bigint"),
  float: () => make<number>("float"),
  /**
   * Exact decimal, passed and returned as a canonical string (`"12.5"`: no trailing zeros).
   * Values with more digits than `precision`/`scale` (default 38/10) are rejected, never rounded.
   */
  decimal: (options: { precision?: number; scale?: number } = {}) =>
    make<string>("decimal", {
      precision: (own(options, "precision") as number | undefined) ?? 38,
      scale: (own(options, "scale") as number | undefined) ?? 10,
    }),
  boolean: () => make<boolean>("boolean"),
  /** An instant, returned as `Date`. */
  datetime: () => make<Date>("datetime"),
  /** A calendar date, passed and returned as `"YYYY-MM-DD"`. */
  date: () => make<string>("date"),
  json: <T = JsonValue>() => make<T>("json"),
  /** A UUID string; returned in lowercase on every database. */
  uuid: () => make<string>("uuid"),
  enum: <const V extends readonly [string, ...string[]]>(values: V) => make<V[number]>("enum", { enumValues: values }),
  /** A fixed-dimension vector (needs a vector-capable adapter such as pgvector). */
  vector: (dimensions: number) => make<number[]>("vector", { dimensions }),
} as const;

type ValueOf<F> = F extends Field<infer T, infer O, any> ? (O extends true ? T | null : T) : never;
type RequiredKeys<F extends FieldsShape> = {
  [K in keyof F]: F[K] extends Field<any, infer O, infer D> ? (O extends true ? never : D extends true ? never : K) : never;
}[keyof F];
type OptionalKeys<F extends FieldsShape> = Exclude<keyof F, RequiredKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type FieldValues<F extends FieldsShape> = { [K in keyof F]: ValueOf<F[K]> };
export type FieldInput<F extends FieldsShape> = Simplify<{ [K in RequiredKeys<F>]: ValueOf<F[K]> } & { [K in OptionalKeys<F>]?: ValueOf<F[K]> }>;
