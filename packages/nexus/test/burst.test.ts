import { afterAll, describe, expect, it } from "vitest";
import type { Backend } from "./helpers.js";
import { call, postgresBackend, sqliteBackend, startNexus } from "./helpers.js";

const CLIENTS = 1000;
const pg = await postgresBackend();
afterAll(async () => {
  if (typeof pg !== "string") await pg.dispose();
});

const backends: Array<[string, () => Backend, string | undefined]> = [
  ["sqlite", sqliteBackend, undefined],
  ["postgres", () => pg as Backend, typeof pg === "string" ? pg : undefined],
];

describe.each(backends)("a burst of %s writes", (name, backend, skipReason) => {
  it.skipIf(skipReason !== undefined)(
    `${CLIENTS} clients at once each create one row, and every row is there exactly once${skipReason ? ` [${skipReason}]` : ""}`,
    async () => {
      const own = backend();
      const { nexus, base } = await startNexus(own.url, { maxLimit: CLIENTS });
      try {
        const statuses = await Promise.all(
          Array.from({ length: CLIENTS }, (_, i) =>
            call(base, "POST", "/api/User", { id: `burst-${i}`, name: `B${i}`, email: `b${i}@x.org` }).then((r) => r.status),
          ),
        );
        expect(statuses.filter((s) => s !== 201)).toEqual([]);
        const count = await call(base, "POST", "/workflows/User_Count/execute", { inputs: {} });
        expect(count.json.results.count.result).toBe(CLIENTS);
        const listed = await call(base, "GET", `/api/User?limit=${CLIENTS}&select=id`);
        const ids = listed.json.result.map((u: { id: string }) => u.id);
        expect(new Set(ids).size).toBe(CLIENTS);
        expect(ids.sort()).toEqual(Array.from({ length: CLIENTS }, (_, i) => `burst-${i}`).sort());
      } finally {
        await nexus.stop();
        if (name === "sqlite") await own.dispose();
      }
    },
  );
});
