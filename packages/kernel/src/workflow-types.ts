// Type-level bookkeeping of the fluent WorkflowBuilder: which node ids exist, their params and
// outputs, and which required params are still unsupplied. Erased at run time.
import type { NodeDefinition } from "./node.js";
import type { NodeRef, NodeRefBrand, NodeTypeName, OutputOfRef, ParamsOfRef, RefByName, RequiredOfRef, SelectedRows } from "./typed.js";

/** A node id's entry in the builder's ledger: what it outputs and what params it takes. */
export interface NodeSlot<O = unknown, P = unknown> {
  readonly out: O;
  readonly in: P;
}

/** A typed node: a reference such as `User.nodes.Create`, or a `defineNode` definition. */
export type NodeLike = NodeRef<string, any, any, any> | NodeDefinition<any, any, string>;

type RequiredKeysOf<P> = { [K in keyof P]-?: {} extends Pick<P, K> ? never : K }[keyof P] & string;

export type ParamsOf<N> = N extends NodeDefinition<infer P, any, any> ? P : ParamsOfRef<N>;
/** A definition whose output type was left `unknown` (`defineNode<P>(...)`) reads as `any`, as before typing. */
export type OutputOf<N> = N extends NodeDefinition<any, infer R, any> ? (IsUnknown<Awaited<R>> extends true ? any : Awaited<R>) : OutputOfRef<N>;
export type RequiredOf<N> = N extends NodeDefinition<infer P, any, any> ? (string extends keyof P ? never : RequiredKeysOf<P>) : RequiredOfRef<N>;

type IsAny<T> = 0 extends 1 & T ? true : false;
type Leaf = string | number | bigint | boolean | symbol | null | undefined | Date | readonly unknown[] | ((...args: never[]) => unknown);

/** What `addNode` takes besides typed nodes: the builder's model node type names, or any name without models. */
export type NodeName<M> = [M] extends [never] ? string | NodeDefinition : NodeTypeName<M>;

/** The typed reference behind an `addNode` argument; an untyped name is `any` throughout. */
export type Resolve<M, R> = R extends NodeRefBrand | NodeDefinition<any, any, any>
  ? R
  : R extends NodeTypeName<M>
    ? RefByName<M, R>
    : NodeRef<string, any, any, never>;

/** Marks a param the node does not have: the value is compared with this message. */
export type UnknownParam<K> = `unknown param '${K & string}'`;

/**
 * The params argument of `addNode`: every key must be a param (values checked against the
 * node's param types), but required params may be left out for connections to supply; `build()`
 * then refuses the ones nothing supplies. `data` of a Create may likewise be partial.
 */
export type ParamsArg<A, G, D, S> = string extends keyof A
  ? A
  : { [K in keyof G]: K extends keyof A ? (K extends "data" ? LooseData<A[K]> : A[K]) : UnknownParam<K> } & DataPart<A, D> &
      ("select" extends keyof A ? { select?: readonly S[] } : {});

type LooseData<X> = X extends readonly unknown[] ? X : Partial<X>;
type DataPart<A, D> = A extends { data: infer X }
  ? X extends readonly unknown[]
    ? {}
    : { data?: { [K in keyof D]: K extends keyof X ? X[K] : UnknownParam<K> } }
  : {};

/** Required params (dotted paths) of a node that its params did not give, prefixed with its id. */
export type MissingOf<Id extends string, Req extends string, G, D> = `${Id}:${Exclude<Req, keyof G | `data.${keyof D & string}`>}`;

/** The field names a node's `select` param takes. */
export type SelectKey<A> = A extends { select?: readonly (infer K extends string)[] } ? K : string;

/** `select: [...]` narrows the rows of a List's `result` to the selected fields (see `SelectableRows` for other outputs). */
export type Selected<O, S extends string> = [S] extends [never] ? O : SelectedRows<O, S>;

type IsUnknown<T> = unknown extends T ? (IsAny<T> extends true ? false : true) : false;

/** Paths below a value at `P`: its keys, and anything below an object-valued key (unchecked). */
type SubPaths<V, P extends string> =
  IsAny<V> extends true
    ? `${P}.${string}`
    : IsUnknown<V> extends true
      ? `${P}.${string}`
      : NonNullable<V> extends readonly (infer E)[]
        ? `${P}.${number}` | (NonNullable<E> extends Leaf ? never : `${P}.${number}.${string}`)
        : NonNullable<V> extends Leaf
          ? never
          : {
              [K in keyof NonNullable<V> & string]-?: `${P}.${K}` | (NonNullable<NonNullable<V>[K]> extends Leaf ? never : `${P}.${K}.${string}`);
            }[keyof NonNullable<V> & string];

/** Dotted paths into a node's output (`"result"`, `"result.id"`; deeper levels are not checked). */
export type Paths<O> =
  IsAny<O> extends true ? string : IsUnknown<O> extends true ? string : { [K in keyof O & string]-?: K | SubPaths<O[K], K> }[keyof O & string];

type At<O, K> =
  IsAny<O> extends true
    ? any
    : NonNullable<O> extends readonly (infer E)[]
      ? K extends `${number}`
        ? E
        : any
      : K extends keyof NonNullable<O>
        ? NonNullable<O>[K]
        : any;
/** The type at a dotted path (`any` below the second level). */
export type PathValue<O, P extends string> =
  IsAny<O> extends true
    ? any
    : IsUnknown<O> extends true
      ? any
      : P extends keyof O
        ? O[P]
        : P extends `${infer A}.${infer B}`
          ? B extends `${string}.${string}`
            ? any
            : At<At<O, A>, B>
          : never;

type Accepts<Target, V> = IsAny<V> extends true ? true : [V] extends [Exclude<Target, undefined>] ? true : false;

/** The param paths of `P` that accept a value of type `V`: where a connection may deliver it. */
export type TargetPaths<P, V> =
  IsAny<P> extends true
    ? string
    : string extends keyof P
      ? string
      : {
          [K in keyof P & string]-?:
            | (Accepts<P[K], V> extends true ? K : never)
            | (IsUnknown<P[K]> extends true
                ? `${K}.${string}`
                : NonNullable<P[K]> extends Leaf
                  ? never
                  : {
                      [K2 in keyof NonNullable<P[K]> & string]-?:
                        | (Accepts<NonNullable<P[K]>[K2], V> extends true ? `${K}.${K2}` : never)
                        | (NonNullable<NonNullable<P[K]>[K2]> extends Leaf ? never : `${K}.${K2}.${string}`);
                    }[keyof NonNullable<P[K]> & string]);
        }[keyof P & string];

/**
 * `P` when it is one of `Allowed`, else `Allowed` (so the argument is reported against the allowed
 * paths). A parameter type rather than a constraint: the check runs once `P` is inferred, and
 * never against every node of the ledger at once (which made long chains quadratic).
 */
export type Checked<P extends string, Allowed> = [P] extends [Allowed] ? P : Allowed;

/** Node ids of the ledger; any string while nothing is tracked (the imperative style). */
export type NodeIds<N> = [keyof N] extends [never] ? string : keyof N & string;
export type OutAt<N, Id> = [keyof N] extends [never] ? any : N extends { readonly [K in Id & string]: NodeSlot<infer O, any> } ? O : any;
export type InAt<N, Id> = [keyof N] extends [never] ? any : N extends { readonly [K in Id & string]: NodeSlot<any, infer P> } ? P : any;

/** What `execute()` returns under `results` for a workflow built with this ledger. */
export type ResultsOf<N> = [keyof N] extends [never] ? Record<string, any> : { [K in keyof N]: N[K] extends NodeSlot<infer O, any> ? O : never };

/** `build()`'s refusal: the listed `nodeId:param` paths are required and nothing supplies them. */
export interface MissingRequiredParams<M extends string> {
  readonly "missing required params (give them, or connect an output to them)": M;
}
