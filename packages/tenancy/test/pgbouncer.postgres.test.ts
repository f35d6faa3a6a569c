// Every tenancy strategy through PgBouncer in transaction pooling mode (2 server connections shared
// by every client): the randomized isolation run, then no tenant setting is left on any server connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@dataflow/testing";
import { usePgbouncerDatabase } from "@dataflow/testing";
import pg from "pg";
import { TENANT_SETTING } from "../src/index.js";
import { isolationCase } from "./isolation-case.js";
import { PostgresTarget } from "./targets.js";

const res = await usePgbouncerDatabase();
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`tenancy through PgBouncer (transaction pooling)${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  const database = (): TestDatabase => (res.ok ? { ...res.db, url: `${res.db.url}?pgbouncer=transaction` } : (undefined as never));

  for (const strategy of ["row", "schema", "rls"] as const) {
    describe(`${strategy} strategy`, () => {
      let target: PostgresTarget;
      beforeAll(async () => {
        target = await new PostgresTarget(strategy, database()).prepare();
      });
      afterAll(() => target?.dispose());
      isolationCase(() => target, { operationsPerTenant: Number(process.env.TENANCY_OPS ?? 150) });

      it("leaves no tenant setting on any of PgBouncer's server connections", async () => {
        const url = target.appUrl ?? database().url;
        const clients = await Promise.all(
          Array.from({ length: res.ok ? res.db.poolSize : 0 }, async () => {
            const client = new pg.Client({ connectionString: url });
            client.on("error", () => {});
            await client.connect();
            return client;
          }),
        );
        try {
          // As many clients at once in transactions as the pool has server connections: each is asked.
          await Promise.all(clients.map((c) => c.query("BEGIN")));
          const seen = await Promise.all(
            clients.map(
              async (c) =>
                (await c.query(`SELECT current_setting('${TENANT_SETTING}', true) AS t, array_to_string(current_schemas(false), ',') AS path`)).rows[0],
            ),
          );
          await Promise.all(clients.map((c) => c.query("COMMIT")));
          for (const row of seen) {
            expect(row.t ?? "").toBe("");
            expect(row.path).toBe("public");
          }
        } finally {
          await Promise.all(clients.map((c) => c.end()));
        }
      });
    });
  }
});
