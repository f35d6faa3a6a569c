import { expect, it } from "vitest";
import type { IsolationOptions } from "./isolation.js";
import { describeFigures, runIsolation } from "./isolation.js";
import type { Target } from "./targets.js";

/** TENANCY_SEED replays a run; TENANCY_OPS scales it (operations per tenant). */
export const SEED = Number(process.env.TENANCY_SEED ?? 20261126);
const PER_TENANT = Number(process.env.TENANCY_OPS ?? 600);
const ALL_NODES = ["Create", "Read", "Update", "Delete", "List", "Count", "Upsert", "BulkCreate", "BulkUpdate", "BulkDelete", "BulkUpsert"];

/** One randomized isolation run as a test: 5 tenants, every node type, zero rows crossed. */
export function isolationCase(target: () => Target, options: Partial<IsolationOptions> = {}): void {
  const tenants = options.tenants ?? 5;
  const perTenant = options.operationsPerTenant ?? PER_TENANT;
  it(`${tenants} tenants, ${tenants * perTenant} mixed operations: every tenant sees exactly its own rows`, async () => {
    const f = await runIsolation(target(), {
      seed: SEED,
      tenants,
      operationsPerTenant: perTenant,
      poolMax: 3,
      checkEvery: Number(process.env.TENANCY_CHECK_EVERY ?? 25),
      ...options,
    });
    console.log(describeFigures(f));
    if (f.notes.length) console.log(f.notes.join("\n"));
    expect(f.notes).toEqual([]);
    expect(f.operations).toBe(tenants * perTenant);
    expect(f.rowsCrossed + f.resultRowsCrossed).toBe(0);
    expect(f.ledgerMismatches).toBe(0);
    expect(f.rowsChecked).toBeGreaterThan(perTenant);
    for (const op of ALL_NODES) expect(f.byOperation[op]?.ok, `${op} succeeded at least once`).toBeGreaterThan(0);
    expect(f.refused, "some cross-tenant attempts were refused").toBeGreaterThan(0);
  });
}
