import { afterAll, describe, expect, it } from "vitest";
import { TenantError, field } from "@dataflow/kernel";
import { useTestDatabase } from "@dataflow/testing";
import { failure, runNode, statementsDuring } from "./support.js";
import { MysqlTarget, modelName } from "./targets.js";

const res = await useTestDatabase("mysql");
afterAll(async () => {
  if (res.ok) await res.db.dispose();
});

describe.skipIf(!res.ok)(`row strategy on MariaDB/MySQL${res.ok ? "" : ` (skipped: ${res.reason})`}`, () => {
  it("compares tenant ids exactly: a case-insensitive tenant_id column is refused before any data statement", async () => {
    const target = await new MysqlTarget("row", (res as unknown as { db: never }).db).prepare();
    try {
      const name = modelName("Case");
      let { db } = target.open();
      const table = db.model(name, { label: field.string({ maxLength: 20 }) }, { tenant: true }).table;
      await runNode(db, `${name}_Create`, { data: { label: "upper" } }, { tenantId: "Acme" });
      expect((await runNode(db, `${name}_List`, {}, { tenantId: "acme" })).result).toEqual([]);
      await db.close();

      // Case-insensitive but NO PAD, so the adapter's trailing-space check (PAD SPACE tables) lets it through to this one.
      const version = String((await target.raw("SELECT VERSION() AS v"))[0]?.v);
      const collation = /mariadb/i.test(version) ? "utf8mb4_general_nopad_ci" : "utf8mb4_0900_ai_ci";
      await target.raw(`ALTER TABLE \`${table}\` MODIFY tenant_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE ${collation} NOT NULL`);
      ({ db } = target.open());
      db.model(name, { label: field.string({ maxLength: 20 }) }, { tenant: true });
      await db.initialize();
      let error: Error | undefined;
      const statements = await statementsDuring(db, async () => {
        error = await failure(runNode(db, `${name}_List`, {}, { tenantId: "acme" }));
      });
      expect(error).toBeInstanceOf(TenantError);
      expect(error!.message).toMatch(/case-insensitive collation/);
      expect(statements.filter((s) => s.includes(`\`${table}\``))).toEqual([]);
    } finally {
      await target.dispose();
    }
  });
});
