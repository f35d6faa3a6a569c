import { field } from "@dataflow/kernel";
import type { IndexSpec } from "@dataflow/kernel/plugin";

/** The benchmark model, as DataFlow declares it (plus the framework's id, created_at and updated_at). */
export const benchFields = {
  name: field.string({ maxLength: 100 }),
  email: field.string({ maxLength: 200 }),
  tenant: field.int(),
  score: field.int(),
  active: field.boolean(),
};

/** Backs the filtered list (`tenant = ? ORDER BY score DESC, id DESC LIMIT 50`) on every database. */
export const benchIndexes: readonly IndexSpec[] = [{ fields: ["tenant", "score", "id"] }];

/** Column order of every INSERT (DataFlow's model order). */
export const INSERT_COLUMNS = ["name", "email", "tenant", "score", "active", "created_at", "updated_at"] as const;
export const ALL_COLUMNS = ["id", ...INSERT_COLUMNS] as const;

/** One table per workload, so no workload sees another's rows. */
export const TABLES = {
  create: "bench_create",
  read: "bench_read",
  list: "bench_list",
  bulk: "bench_bulk",
  flow: "bench_flow",
  cold: "bench_cold",
} as const;
export type WorkloadId = keyof typeof TABLES;

export const MODEL_NAMES: Readonly<Record<WorkloadId, string>> = {
  create: "BenchCreate",
  read: "BenchRead",
  list: "BenchList",
  bulk: "BenchBulk",
  flow: "BenchFlow",
  cold: "BenchCold",
};

export const SEEDED_ROWS = 100_000;
export const BULK_ROWS = 100_000;
export const TENANTS = 100;
export const LIST_LIMIT = 50;
/** The 5-node workflow's List (DESIGN.md section 4: "List of 10"). */
export const FLOW_LIST_LIMIT = 10;
/** Rows the workflow's Create adds go to tenants from here on, so its List and Count see a constant seeded set. */
export const FLOW_NEW_TENANT = 1000;

export interface BenchInput {
  readonly name: string;
  readonly email: string;
  readonly tenant: number;
  readonly score: number;
  readonly active: boolean;
}

/** Deterministic pseudo-random inputs (mulberry32), the same for every contender and every run. */
export function makeInputs(count: number, seed = 42): BenchInput[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rows = new Array<BenchInput>(count);
  for (let i = 0; i < count; i++) {
    rows[i] = {
      name: `user ${i} ${Math.floor(random() * 1e9).toString(36)}`,
      email: `user${i}@example.com`,
      tenant: i % TENANTS,
      score: Math.floor(random() * 1_000_000),
      active: random() < 0.5,
    };
  }
  return rows;
}

/** Ids read by the read workload: a fixed scattered walk over the seeded ids. */
export function readIds(seeded: number, count = 4096): number[] {
  const ids = new Array<number>(count);
  for (let i = 0; i < count; i++) ids[i] = ((i * 7919) % seeded) + 1;
  return ids;
}

/** Inputs for the single-row create workload (reused cyclically). */
export const CREATE_POOL = 1024;
