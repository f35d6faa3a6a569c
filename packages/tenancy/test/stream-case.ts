import { TenantError, TransactionError, field } from "@dataflow/kernel";
import { expect, it } from "vitest";
import { failure, runNode } from "./support.js";
import type { Target } from "./targets.js";
import { modelName } from "./targets.js";

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** `db.stream()` on a tenant model: only the bound tenant's rows, whichever way the tenant is bound. */
export function streamCase(target: () => Target): void {
  it("db.stream reads only the bound tenant's rows; no tenant is a TenantError", async () => {
    const t = target();
    const { db, tenancy } = t.open();
    const name = modelName("Ticket");
    const Ticket = db.model(name, { label: field.string({ maxLength: 20 }), n: field.int() }, { tenant: true, softDelete: true });
    await db.initialize();
    for (const tenant of ["a", "b"]) {
      await runNode(db, `${name}_BulkCreate`, { data: [1, 2, 3, 4, 5].map((n) => ({ label: `${tenant}${n}`, n })) }, { tenantId: tenant });
    }
    const gone = (await runNode(db, `${name}_List`, { filter: { n: 3 } }, { tenantId: "a" })).result[0].id;
    await runNode(db, `${name}_Delete`, { id: gone }, { tenantId: "a" });

    const stream = (tenantId: string) => db.stream(Ticket, { filter: { n: { $gte: 2 } }, orderBy: "-n" }, { tenantId, batchSize: 2 });
    const read = async (tenantId: string) => {
      if (t.strategy !== "rls") return collect(stream(tenantId));
      return db.transaction(() => collect(stream(tenantId)));
    };
    expect((await read("a")).map((r) => r.label)).toEqual(["a5", "a4", "a2"]);
    expect((await read("b")).map((r) => r.label)).toEqual(["b5", "b4", "b3", "b2"]);
    const viaRun =
      t.strategy === "rls"
        ? await tenancy.run("b", () => db.transaction(() => collect(db.stream(Ticket, { select: ["label"] }))))
        : await tenancy.run("b", () => collect(db.stream(Ticket, { select: ["label"] })));
    expect(viaRun).toEqual(["b1", "b2", "b3", "b4", "b5"].map((label) => ({ label })));
    expect(await failure(collect(db.stream(Ticket)))).toBeInstanceOf(TenantError);
    if (t.strategy === "rls") {
      // Outside a transaction the rls setting is gone before the first row: refused, never an empty result.
      expect(await failure(collect(stream("a")))).toBeInstanceOf(TransactionError);
    }
    await db.close();
  });
}
