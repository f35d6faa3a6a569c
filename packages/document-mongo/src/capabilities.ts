import type { AdapterCapabilities } from "@dataflow/kernel/plugin";

/**
 * What the connected deployment supports. The base flags are the kernel's; the rest name MongoDB
 * features that a test emulator or a standalone server may lack, so callers (and tests) can gate on them.
 */
export interface MongoCapabilities extends AdapterCapabilities {
  /** Multi-document transactions: a replica set or sharded cluster, not a standalone server. */
  readonly transactions: boolean;
  readonly uniqueIndexes: boolean;
  /** `_id` values other than ObjectIds (strings, numbers) are stored verbatim. */
  readonly customIds: boolean;
  readonly pipelineUpdates: boolean;
  readonly textSearch: boolean;
  readonly geoQueries: boolean;
  readonly changeStreams: boolean;
  readonly lookupPipeline: boolean;
  readonly positionalUpdates: boolean;
  /** Aggregation stages that write: `$out` and `$merge`. */
  readonly writeStages: boolean;
  /** Int64 values beyond 2^53 compare by value in queries. */
  readonly int64Order: boolean;
  /** `$regex` runs with a backtracking limit (MongoDB's PCRE match limit), so a catastrophic pattern fails fast. */
  readonly boundedRegex: boolean;
  /** The server runs in a process of its own (the emulator shares the test process and its Object.prototype). */
  readonly separateProcess: boolean;
  /** Collection validators (`$jsonSchema`) are stored, listed and enforced. */
  readonly validators: boolean;
  /** The server is the in-process CongoServer test emulator, not MongoDB. */
  readonly emulator: boolean;
}

export interface ServerFacts {
  readonly version: string;
  readonly gitVersion: string;
  /** From `hello`: a replica set name, or "isdbgrid" from mongos. */
  readonly setName?: string;
  readonly msg?: string;
}

// rowScope: model operations run from their own filter tree and rows, and strings compare exactly
// (binary), so @dataflow/tenancy's row strategy can scope them.
const KERNEL_FLAGS = { savepoints: false, returning: true, upsert: true, json: true, vector: false, streaming: true, rowScope: true } as const;

/** Before the first connection: what any MongoDB >= 4.4 offers, transactions unknown (off). */
export const UNPROBED_CAPABILITIES: MongoCapabilities = Object.freeze({
  ...KERNEL_FLAGS,
  transactions: false,
  uniqueIndexes: true,
  customIds: true,
  pipelineUpdates: true,
  textSearch: true,
  geoQueries: true,
  changeStreams: false,
  lookupPipeline: true,
  positionalUpdates: true,
  writeStages: true,
  int64Order: true,
  boundedRegex: true,
  separateProcess: true,
  validators: true,
  emulator: false,
});

/**
 * The emulator's limits, each checked by this package's tests against the emulator itself
 * (test/emulator-limits.test.ts), so a newer emulator that lifts one fails that test.
 */
export const EMULATOR_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  transactions: "the CongoServer emulator accepts transaction commands but does not isolate or roll back",
  uniqueIndexes: "the CongoServer emulator creates unique indexes but does not enforce them",
  customIds: "the CongoServer emulator forces every _id to an ObjectId",
  pipelineUpdates: "the CongoServer emulator has no update pipelines",
  textSearch: "the CongoServer emulator has no $text search",
  geoQueries: "the CongoServer emulator has no geospatial queries",
  changeStreams: "the CongoServer emulator has no change streams",
  lookupPipeline: "the CongoServer emulator has no $lookup with a pipeline",
  positionalUpdates: "the CongoServer emulator has no positional ($) updates",
  writeStages: "the CongoServer emulator has no $out or $merge stage",
  int64Order: "the CongoServer emulator does not compare int64 values beyond 2^53 in queries",
  boundedRegex: "the CongoServer emulator runs $regex on JavaScript's backtracking RegExp without a match limit, so a catastrophic pattern blocks it",
  separateProcess: "the CongoServer emulator runs inside the test process, so a test that pollutes Object.prototype breaks the server as well",
  validators: "the CongoServer emulator neither stores nor enforces collection validators ($jsonSchema)",
});

export function isEmulator(facts: ServerFacts): boolean {
  return facts.gitVersion === "congodb";
}

export function capabilitiesOf(facts: ServerFacts): MongoCapabilities {
  if (isEmulator(facts)) {
    const off = Object.fromEntries(Object.keys(EMULATOR_LIMITS).map((k) => [k, false]));
    return Object.freeze({ ...UNPROBED_CAPABILITIES, ...off, emulator: true }) as MongoCapabilities;
  }
  const clustered = facts.setName !== undefined || facts.msg === "isdbgrid";
  return Object.freeze({ ...UNPROBED_CAPABILITIES, transactions: clustered, changeStreams: clustered });
}

/** Why a capability is missing on this deployment, for errors and test skips. */
export function missingReason(capabilities: MongoCapabilities, name: keyof MongoCapabilities & string): string | undefined {
  if (capabilities[name]) return undefined;
  if (capabilities.emulator && EMULATOR_LIMITS[name]) return EMULATOR_LIMITS[name];
  if (name === "transactions" || name === "changeStreams") return `${name} need a replica set or sharded cluster; this MongoDB server is standalone`;
  return `this MongoDB deployment does not support ${name}`;
}
