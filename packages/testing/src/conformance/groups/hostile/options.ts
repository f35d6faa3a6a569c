import { inspect } from "node:util";
import { randomBytes } from "node:crypto";
import type { DataFlow } from "@dataflow/kernel";
import { ValidationError } from "@dataflow/kernel";
import { expect } from "vitest";
import type { Harness } from "../../harness.js";
import type { ConformanceDataFlowOptions } from "../../types.js";
import { declareItem } from "../../models.js";
import { expectFix, expectTyped, rejectionOf } from "./expect.js";

/** Every way `console.log`, a debugger or an error reporter may print an object. */
function printed(value: unknown): string[] {
  return [
    inspect(value),
    inspect(value, { depth: Number.POSITIVE_INFINITY }),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
  ];
}

function expectNoSecret(value: unknown, secrets: readonly string[], what: string): void {
  for (const text of printed(value)) {
    for (const secret of secrets) expect.soft(text.includes(secret), `${what} prints the password`).toBe(false);
  }
}

/** Issue classes 4 and 7: credentials in inspected objects; construction-time checks of options, plugins and URLs. */
export function optionTests(h: Harness): void {
  h.test("hostile: util.inspect of a DataFlow never prints the URL's password", async (t) => {
    const make = t.urls.withPassword;
    if (!make) throw new Error("ConformanceOptions.urls.withPassword is missing: give it, or skip this test with a reason");
    for (const password of [`Hx${randomBytes(6).toString("hex")}`, `p@ss:w/rd?&=${randomBytes(4).toString("hex")}`]) {
      const secrets = [password, encodeURIComponent(password)];
      const db = await t.createDataFlow({ url: make(password) });
      try {
        declareItem(db, t.table("items"));
        expectNoSecret(db, secrets, "a new DataFlow");
        // The connection may well be refused with this password; what is printed after the attempt matters.
        const failure = await rejectionOf(() => db.initialize());
        const health = await db.healthCheck().catch((error: unknown) => error);
        expectNoSecret(db, secrets, "a DataFlow after connecting");
        expectNoSecret(db.adapter, secrets, "its adapter");
        expectNoSecret(failure, secrets, "the connection error");
        expectNoSecret(health, secrets, "the health check");
      } finally {
        await db.close();
      }
      expectNoSecret(db, secrets, "a closed DataFlow");
    }
  });

  h.test("hostile: unknown and ill-typed DataFlow options are refused at construction, naming the option", async (t) => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ polo: { max: 5 } }, "polo"],
      [{ autoMigrate: "false" }, "autoMigrate"],
      [{ existingSchemaMode: 1 }, "existingSchemaMode"],
      [{ logger: "yes" }, "logger"],
      [{ logger: 42 }, "logger"],
      [{ pool: 5 }, "pool"],
      [{ pool: { max: -1 } }, "pool.max"],
      [{ pool: { max: 0 } }, "pool.max"],
      [{ pool: { max: 1.5 } }, "pool.max"],
      [{ pool: { max: "5" } }, "pool.max"],
      [{ pool: { max: Number.NaN } }, "pool.max"],
      [{ pool: { max: 4, acquireTimeoutMs: "1000" } }, "pool.acquireTimeoutMs"],
      [{ adapter: "fast" }, "adapter"],
      [{ url: 5 }, "url"],
      [{ url: "" }, "url"],
      [{ namespace: 7 }, "namespace"],
    ];
    for (const [options, fieldName] of bad) {
      const what = JSON.stringify(options);
      const error = await rejectionOf(async () => {
        const db = await t.createDataFlow(options as ConformanceDataFlowOptions);
        await db.close();
      });
      if (expectTyped(error, ValidationError, fieldName, what)) expectFix(error, what);
    }
  });

  h.test("hostile: plugins that are not plugins are refused at construction", async (t) => {
    for (const plugins of [[null], [undefined], [42], ["@dataflow/sql-sqlite"], [() => ({})]]) {
      const what = `plugins: [${String(plugins[0])}]`;
      const error = await rejectionOf(async () => {
        const db: DataFlow = await t.createDataFlow({ plugins } as unknown as ConformanceDataFlowOptions);
        await db.close();
      });
      expectTyped(error, ValidationError, /^plugins(\[0\])?$/, what);
    }
  });

  h.test("hostile: URL mistakes are refused at construction, naming the url", async (t) => {
    const { invalid } = t.urls;
    expect(invalid.length, "ConformanceOptions.urls.invalid lists your scheme's URL mistakes").toBeGreaterThan(0);
    for (const url of invalid) {
      const error = await rejectionOf(async () => {
        const db = await t.createDataFlow({ url });
        await db.close();
      });
      if (expectTyped(error, ValidationError, /^url($|[.[])/, url)) expectFix(error, url);
    }
  });
}
