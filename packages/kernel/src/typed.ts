// Type-level contract of the generated nodes: params, outputs and the typed node references.
// Everything here is erased at run time; the runtime checks in operations.ts/filter.ts stay the authority.
import type { AnyField, Field, FieldsShape } from "./field.js";
import type { KeyName, Model, ModelOperationName, ModelOptions, Row } from "./model.js";

declare const PARAMS: unique symbol;
declare const OUTPUT: unique symbol;
declare const REQUIRED: unique symbol;
declare const NODE_TYPE: unique symbol;
declare const SELECTABLE: unique symbol;

/**
 * A typed node reference: at run time the node type name itself (`"User_Create"`), at compile
 * time also its params (`P`), its output (`O`) and the param paths it cannot run without (`Req`).
 */
export type NodeRef<T extends string = string, P = unknown, O = unknown, Req extends string = string> = T & {
  /** Type-level brand only (a plain string is not a typed reference); never present at run time. */
  readonly [NODE_TYPE]: T;
  readonly [PARAMS]?: P;
  readonly [OUTPUT]?: O;
  readonly [REQUIRED]?: Req;
};

/** Matches typed references only (a plain string has no brand). */
export interface NodeRefBrand {
  readonly [NODE_TYPE]: string;
}

/**
 * Marks a node output whose `result` rows `select` narrows differently from a List's: `select`
 * picks from `Full` (which may hold fields the unselected rows leave out, such as a search's
 * vectors), and every row keeps `Extra` (a search's `distance`). Type-level only.
 */
export interface SelectableRows<Full, Extra> {
  readonly [SELECTABLE]?: { readonly row: Full; readonly extra: Extra };
}

/** The rows of `O` narrowed to the selected fields `S` (see `SelectableRows`). */
export type SelectedRows<O, S extends string> = typeof SELECTABLE extends keyof O
  ? O extends { readonly [SELECTABLE]?: { readonly row: infer R; readonly extra: infer X } }
    ? { [K in keyof O]: K extends "result" ? (Pick<R, S & keyof R> & X)[] : O[K] }
    : O
  : O extends { result: (infer I)[] }
    ? { [K in keyof O]: K extends "result" ? Pick<I, S & keyof I>[] : O[K] }
    : O;

export type ParamsOfRef<R> = R extends { readonly [PARAMS]?: infer P } ? P : never;
export type OutputOfRef<R> = R extends { readonly [OUTPUT]?: infer O } ? O : never;
export type RequiredOfRef<R> = R extends { readonly [REQUIRED]?: infer Q extends string } ? Q : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

// ---- values -------------------------------------------------------------------------------------

type FieldsOf<M> = M extends Model<infer F, any, any> ? F : never;
type OptionsOf<M> = M extends Model<any, infer O, any> ? O : never;
type ValueType<F> = F extends Field<infer T, any, any> ? T : never;

/** What a field accepts as input (e.g. a datetime also takes an ISO string). */
export type InputValue<T> = T extends Date ? Date | string : T extends bigint ? bigint | number : T;

type IsOptional<F> = F extends Field<any, infer O, any> ? O : false;
type HasDefault<F> = F extends Field<any, any, infer D> ? D : false;
type RequiredFieldKeys<S extends FieldsShape> = {
  [K in keyof S]: IsOptional<S[K]> extends true ? never : HasDefault<S[K]> extends true ? never : K;
}[keyof S] &
  string;

/** `data` of a Create (and each row of a bulk create). The key `K` (`id`) is optional when the model does not declare it. */
export type CreateData<S extends FieldsShape, K extends string = "id"> = Simplify<
  { [P in RequiredFieldKeys<S>]: InputValue<ValueType<S[P]>> } & {
    [P in Exclude<keyof S, RequiredFieldKeys<S>>]?: InputValue<ValueType<S[P]>> | (IsOptional<S[P]> extends true ? null : never);
  } & (K extends keyof S ? {} : { [P in K]?: number })
>;

/** `fields` of an Update: any subset of the declared fields except the key `K` (`id`). */
export type UpdateData<S extends FieldsShape, K extends string = "id"> = {
  [P in Exclude<keyof S, K>]?: InputValue<ValueType<S[P]>> | (IsOptional<S[P]> extends true ? null : never);
};

// ---- filters ------------------------------------------------------------------------------------

type Ordered = number | bigint | string | Date;
type Scalar<V> = Exclude<V, null>;

interface BaseOps<V> {
  $eq?: V | null;
  $ne?: V | null;
  $in?: readonly Scalar<V>[];
  $nin?: readonly Scalar<V>[];
  $null?: boolean;
  $exists?: boolean;
}
interface OrderOps<V> {
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
}
interface TextOps {
  $like?: string;
  $ilike?: string;
  $regex?: string;
  $contains?: string;
}

/** The operators a value type admits: ordering for numbers, strings and dates; patterns for strings. */
export type FieldOperators<V> = BaseOps<V> &
  ([Scalar<V>] extends [Ordered] ? OrderOps<Scalar<V>> : {}) &
  ([Scalar<V>] extends [string] ? TextOps : {}) & { $not?: FieldOperators<V> };

type JsonOperators = { $contains?: string | number | boolean; $null?: boolean; $exists?: boolean };

type ConditionFor<T> = [T] extends [Ordered | boolean | null]
  ? InputValue<T> | (null extends T ? null : never) | FieldOperators<InputValue<T>>
  : JsonOperators | null;

/** A filter over a row type: `{ field: value }`, `{ field: { $op: value } }`, `$and`/`$or`/`$not`. */
export type Filter<R> = { [K in keyof R]?: ConditionFor<R[K]> } & {
  $and?: readonly Filter<R>[];
  $or?: readonly Filter<R>[];
  $not?: Filter<R>;
};

type Sortable<R> = { [K in keyof R]: [Exclude<R[K], null>] extends [Ordered | boolean] ? K : never }[keyof R] & string;
/** `"name"`, `"-created_at"`, `["-age", "name"]` or `{ age: "desc" }`. */
export type OrderBy<R> =
  | Sortable<R>
  | `-${Sortable<R>}`
  | `+${Sortable<R>}`
  | readonly (Sortable<R> | `-${Sortable<R>}` | `+${Sortable<R>}`)[]
  | { readonly [K in Sortable<R>]?: "asc" | "desc" | 1 | -1 };

// ---- per-operation params and outputs -----------------------------------------------------------

type KeyOf<M> = KeyName<OptionsOf<M>>;
type IdOf<M> = Row<M> extends { [P in KeyOf<M>]: infer I } ? I : never;
type Creating<M> = CreateData<FieldsOf<M>, KeyOf<M>>;
type Updating<M> = UpdateData<FieldsOf<M>, KeyOf<M>>;
type Key<M> = keyof Row<M> & string;
type Target<M> = { id?: InputValue<IdOf<M>>; filter?: Filter<Row<M>> };

/** The params of each generated node of model `M`. */
export interface OperationParams<M> {
  Create: { data: Creating<M> };
  Read: Target<M> & { includeDeleted?: boolean; raiseOnNotFound?: boolean };
  Update: Target<M> & { fields: Updating<M> };
  Delete: Target<M> & { raiseOnNotFound?: boolean };
  List: {
    filter?: Filter<Row<M>>;
    orderBy?: OrderBy<Row<M>>;
    limit?: number;
    offset?: number;
    after?: string;
    select?: readonly Key<M>[];
    includeDeleted?: boolean;
  };
  Count: { filter?: Filter<Row<M>>; includeDeleted?: boolean };
  Upsert: {
    where: Updating<M> & { [P in KeyOf<M>]?: InputValue<IdOf<M>> };
    create?: Partial<Creating<M>>;
    update?: Updating<M>;
    conflictOn?: readonly Key<M>[];
  };
  BulkCreate: {
    data: readonly Creating<M>[];
    batchSize?: number;
    onConflict?: "error" | "skip" | "update";
    conflictOn?: readonly Key<M>[];
    update?: readonly Key<M>[];
  };
  BulkUpdate: { filter: Filter<Row<M>>; fields: Updating<M>; all?: boolean; includeDeleted?: boolean };
  BulkDelete: { filter: Filter<Row<M>>; all?: boolean };
  BulkUpsert: { data: readonly Creating<M>[]; conflictOn: readonly Key<M>[]; update?: readonly Key<M>[]; batchSize?: number };
}

/** What each generated node of model `M` returns (the value under its node id in `results`). */
export interface OperationOutputs<M> {
  Create: { result: Row<M> };
  Read: { result: Row<M> | null; found: boolean };
  Update: { result: Row<M> };
  Delete: { result: { id: IdOf<M>; deleted: boolean } };
  List: { result: Row<M>[]; count: number; nextCursor?: string };
  Count: { result: number };
  Upsert: { result: Row<M>; created: boolean };
  BulkCreate: { result: { inserted: number; skipped: number; updated: number } };
  BulkUpdate: { result: { updated: number } };
  BulkDelete: { result: { deleted: number } };
  BulkUpsert: { result: { inserted: number; updated: number } };
}

/** Params a node needs before it can run, as dotted paths: connections may supply them instead. */
export interface OperationRequired<M> {
  Create: `data.${RequiredFieldKeys<FieldsOf<M>>}`;
  Read: never;
  Update: "fields";
  Delete: never;
  List: never;
  Count: never;
  Upsert: "where";
  BulkCreate: "data";
  BulkUpdate: "filter" | "fields";
  BulkDelete: "filter";
  BulkUpsert: "data" | "conflictOn";
}

/**
 * The typed references of a model's generated nodes: `User.nodes.Create`. A model whose fields are
 * not known statically (typed as plain `Model`) gets untyped references, as before typing.
 */
export type ModelNodes<M, Name extends string> = string extends keyof FieldsOf<M>
  ? { readonly [K in ModelOperationName]: NodeRef<`${Name}_${K}`, any, any, never> }
  : {
      readonly [K in ModelOperationName]: NodeRef<`${Name}_${K}`, OperationParams<M>[K], OperationOutputs<M>[K], OperationRequired<M>[K]>;
    };

/** The node type name `${model}_${operation}` → reference, for the string form of `addNode`. */
export type NodeTypeName<M> = M extends Model<any, any, infer Name> ? `${Name}_${ModelOperationName}` : never;

export type RefByName<Ms, T extends string> = {
  [Op in ModelOperationName]: T extends `${infer Name}_${Op}` ? ModelNodes<Extract<Ms, Model<any, any, Name>>, Name>[Op] : never;
}[ModelOperationName];

/** `Model<F, O>` with any fields, options and name. */
export type AnyModel = Model<FieldsShape, ModelOptions, string>;
export type { AnyField };
