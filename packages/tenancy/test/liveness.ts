import { describe, expect, it } from "vitest";
import { LocalRuntime, SchemaError, WorkflowBuilder, field } from "@dataflow/kernel";
import { transactions } from "@dataflow/transactions";
import type { StrategyName } from "../src/index.js";
import { tenancy } from "../src/index.js";
import { failure } from "./support.js";
import type { Target } from "./targets.js";
import { modelName } from "./targets.js";

/**
 * A deadlock would hold every run until the acquire timeout; with it this short, a deadlock is a
 * TimeoutError (a failed run), never a hung test. Far below the 30 s default, far above what a
 * healthy run of this size takes.
 */
const ACQUIRE_TIMEOUT_MS = 8_000;
const RUNS = 12;
const TENANTS = ["acme", "bolt", "core"];

export type Variant = StrategyName | "plain";

function open(target: Target, variant: Variant, max: number) {
  const strategy = variant === "plain" ? "row" : variant;
  const plugin = tenancy({ strategy, ...(strategy === "schema" ? { schemaPrefix: target.prefix } : {}) });
  return target.open({ pool: { max, acquireTimeoutMs: ACQUIRE_TIMEOUT_MS }, tenancy: plugin, plugins: [transactions()] });
}

/**
 * Liveness of model preparation: the first use of a model (its table, and the tenancy strategy's
 * own schema work) inside `transaction: true` runs that hold every pooled connection completes for
 * every pool size, and a model that cannot be prepared fails only the runs that use it.
 */
export function livenessSuite(label: string, variants: readonly Variant[], makeTarget: (strategy: StrategyName) => Promise<Target>): void {
  describe(`model preparation liveness on ${label}`, () => {
    for (const variant of variants) {
      for (const max of [1, 2, 3]) {
        it(`${variant}: ${RUNS} concurrent transactional runs on first use complete with pool max ${max}`, async () => {
          const target = await makeTarget(variant === "plain" ? "row" : variant);
          try {
            const { db } = open(target, variant, max);
            const name = modelName("Live");
            db.model(name, { id: field.string({ maxLength: 20 }), n: field.int() }, variant === "plain" ? {} : { tenant: true });
            const runtime = new LocalRuntime({ dataflow: db });
            const runs = Array.from({ length: RUNS }, (_, i) => {
              const tenantId = TENANTS[i % TENANTS.length]!;
              const wf = new WorkflowBuilder({ dataflow: db })
                .addNode(`${name}_Create`, "create", { data: { id: `r${i}`, n: i } })
                .addNode(`${name}_Count`, "count", {})
                .addDependency("create", "count")
                .build();
              return runtime.execute(wf, { transaction: true, ...(variant === "plain" ? {} : { tenantId }) });
            });
            const settled = await Promise.allSettled(runs);
            const failures = settled.flatMap((s) => (s.status === "rejected" ? [String((s.reason as Error).cause ?? s.reason)] : []));
            expect(failures).toEqual([]);
            const table = db.models.get(name)!.table;
            if (variant === "plain") {
              const rows = await target.rawRows(table);
              expect(rows.map((r) => String(r.id)).sort()).toEqual(Array.from({ length: RUNS }, (_, i) => `r${i}`).sort());
            } else {
              for (const [t, tenant] of TENANTS.entries()) {
                const rows = await target.rawTenantRows(table, tenant);
                const expected = Array.from({ length: RUNS }, (_, i) => i)
                  .filter((i) => i % TENANTS.length === t)
                  .map((i) => `r${i}`);
                expect(rows.map((r) => String(r.id)).sort()).toEqual(expected.sort());
              }
            }
          } finally {
            await target.dispose();
          }
        });
      }

      it(`${variant}: concurrent db.transaction() calls using a model for the first time complete with pool max 1`, async () => {
        const target = await makeTarget(variant === "plain" ? "row" : variant);
        try {
          const { db, tenancy: plugin } = open(target, variant, 1);
          const name = modelName("InTx");
          db.model(name, { id: field.string({ maxLength: 20 }), n: field.int() }, variant === "plain" ? {} : { tenant: true });
          const calls = Array.from({ length: 4 }, (_, i) => {
            const call = () =>
              db.transaction(async (tx) => {
                await tx.execute(new WorkflowBuilder({ dataflow: db }).addNode(`${name}_Create`, "n", { data: { id: `x${i}`, n: i } }).build());
              });
            return variant === "plain" ? call() : plugin.run("acme", call);
          });
          const settled = await Promise.allSettled(calls);
          expect(settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []))).toEqual([]);
          const table = db.models.get(name)!.table;
          const rows = variant === "plain" ? await target.rawRows(table) : await target.rawTenantRows(table, "acme");
          expect(rows.map((r) => String(r.id)).sort()).toEqual(["x0", "x1", "x2", "x3"]);
        } finally {
          await target.dispose();
        }
      });

      it(`${variant}: a model whose table cannot be prepared fails only the runs and transactions that use it`, async () => {
        const target = await makeTarget(variant === "plain" ? "row" : variant);
        let view: string | undefined;
        try {
          const { db, tenancy: plugin } = open(target, variant, 2);
          const options = variant === "plain" ? {} : { tenant: true };
          const good = modelName("Good");
          const broken = modelName("Broken");
          db.model(good, { id: field.string({ maxLength: 20 }), n: field.int() }, options);
          const brokenTable = db.model(broken, { id: field.string({ maxLength: 20 }), n: field.int() }, options).table;
          // A view where the model's table should be: its missing columns cannot be added.
          view = target.tableOf(brokenTable);
          await target.raw(`CREATE VIEW ${view} AS SELECT 1 AS x`);
          const tenant = variant === "plain" ? {} : { tenantId: "acme" };
          const runtime = new LocalRuntime({ dataflow: db });
          const one = (type: string, params: Record<string, unknown>) =>
            runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build(), { transaction: true, ...tenant });

          for (let i = 0; i < 3; i++) await one(`${good}_Create`, { data: { id: `g${i}`, n: i } });
          const error = await failure(one(`${broken}_Create`, { data: { id: "b", n: 1 } }));
          expect(error).toBeInstanceOf(SchemaError);
          await one(`${good}_Create`, { data: { id: "g3", n: 3 } });

          // db.transaction(fn): prepared on first use (or up front, best effort): the broken model does not fail it.
          const inTx = async () => {
            await db.transaction(async (tx) => {
              await tx.execute(new WorkflowBuilder({ dataflow: db }).addNode(`${good}_Create`, "n", { data: { id: "g4", n: 4 } }).build());
            });
          };
          await (variant === "plain" ? inTx() : plugin.run("acme", inTx));

          const rows = variant === "plain" ? await target.rawRows(db.models.get(good)!.table) : await target.rawTenantRows(db.models.get(good)!.table, "acme");
          expect(rows.map((r) => String(r.id)).sort()).toEqual(["g0", "g1", "g2", "g3", "g4"]);
        } finally {
          if (view) await target.raw(`DROP VIEW IF EXISTS ${view}`).catch(() => undefined);
          await target.dispose();
        }
      });
    }
  });
}
