import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DataFlow, WorkflowExecutionError as WorkflowError } from "@dataflow/kernel";
import { DataFlowError, LocalRuntime, TenantError, UniqueViolationError, WorkflowBuilder, field } from "@dataflow/kernel";
import type { DatabaseAdapter } from "@dataflow/sql-core";
import type { TenancyPlugin } from "../src/index.js";
import { failure, runNode, statementsDuring } from "./support.js";
import type { Target } from "./targets.js";
import { modelName } from "./targets.js";

const SPOOF = "evilcorp";

function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : typeof v === "bigint" ? Number(v) : v;
  return out;
}

/**
 * The fail-closed rules, for one strategy on one database. Tenants `a` and `b` both hold a row with
 * email `x@t` (a colliding natural key); `b` also holds `b1` (an id `a` will try to reach).
 */
export function failClosedSuite(makeTarget: () => Promise<Target>): void {
  let target: Target;
  let db: DataFlow;
  let t: TenancyPlugin;
  let Order: string;
  let Note: string;
  let table: string;

  const run = (op: string, params: Record<string, unknown>, tenantId?: string) =>
    runNode(db, `${Order}_${op}`, params, tenantId === undefined ? {} : { tenantId });
  /** b's rows straight from the database, for "unchanged" checks. */
  const rawRowsOf = async (tenant: string) =>
    (await target.rawRows(table, tenant))
      .filter((r) => r.tenant_id === tenant)
      .map((r): Record<string, unknown> => ({ ...plain(r), total: Number(r.total) }))
      .sort((x, y) => String(x.id).localeCompare(String(y.id)));

  beforeAll(async () => {
    target = await makeTarget();
    ({ db, tenancy: t } = target.open());
    Order = modelName("Order");
    Note = modelName("Note");
    const model = db.model(
      Order,
      { id: field.string({ maxLength: 40 }), email: field.string({ maxLength: 60 }).unique(), total: field.int() },
      { tenant: true },
    );
    table = model.table;
    db.model(Note, { text: field.string() });
    await db.initialize();
    await run("Create", { data: { id: "a1", email: "x@t", total: 1 } }, "a");
    await run("Create", { data: { id: "b1", email: "x@t", total: 2 } }, "b");
    await run("Create", { data: { id: "b2", email: "y@t", total: 3 } }, "b");
  });

  afterAll(async () => {
    await target?.dispose();
  });

  const ALL_OPS: Array<[string, Record<string, unknown>]> = [
    ["Create", { data: { id: "n1", email: "n@t", total: 1 } }],
    ["Read", { id: "a1" }],
    ["Update", { id: "a1", fields: { total: 5 } }],
    ["Delete", { id: "a1" }],
    ["List", {}],
    ["Count", {}],
    ["Upsert", { where: { email: "x@t" }, create: { id: "n2", total: 1 }, update: { total: 2 } }],
    ["BulkCreate", { data: [{ id: "n3", email: "n3@t", total: 1 }] }],
    ["BulkUpdate", { filter: { total: { $gte: 0 } }, fields: { total: 7 } }],
    ["BulkDelete", { filter: { total: { $gte: 0 } } }],
    ["BulkUpsert", { data: [{ id: "n4", email: "x@t", total: 1 }], conflictOn: ["email"] }],
  ];

  it("refuses every node type of a tenant model when no tenant is bound, before any SQL", async () => {
    const before = await rawRowsOf("a");
    for (const [op, params] of ALL_OPS) {
      let error: Error | undefined;
      const statements = await statementsDuring(db, async () => {
        error = await failure(run(op, params));
      });
      expect(error, op).toBeInstanceOf(TenantError);
      expect(error!.message).toMatch(/No tenant is bound/);
      expect(statements, op).toEqual([]);
    }
    expect(await rawRowsOf("a")).toEqual(before);
  });

  it("leaves models without { tenant: true } untouched: no tenant needed, no tenant_id column", async () => {
    const created = await runNode(db, `${Note}_Create`, { data: { text: "shared" } });
    expect(created.result.text).toBe("shared");
    expect(Object.keys(created.result)).not.toContain("tenant_id");
    const listed = await runNode(db, `${Note}_List`, {}, { tenantId: "a" });
    expect(listed.result.map((r: { text: string }) => r.text)).toEqual(["shared"]);
  });

  it("stamps the bound tenant on written rows and accepts a tenant_id equal to it", async () => {
    const made = await run("Create", { data: { id: "a2", email: "a2@t", total: 1, tenant_id: "a" } }, "a");
    expect(made.result.tenant_id).toBe("a");
    const bulk = await run(
      "BulkCreate",
      {
        data: [
          { id: "a3", email: "a3@t", total: 1 },
          { id: "a4", email: "a4@t", total: 1, tenant_id: "a" },
        ],
      },
      "a",
    );
    expect(bulk.result.inserted).toBe(2);
    const stored = await rawRowsOf("a");
    expect(stored.map((r) => r.id)).toEqual(["a1", "a2", "a3", "a4"]);
    expect(stored.every((r) => r.tenant_id === "a")).toBe(true);
    await run("BulkDelete", { filter: { id: { $in: ["a2", "a3", "a4"] } } }, "a");
  });

  it("refuses a different tenant_id in data, rows, fields and update values without echoing it, before any SQL", async () => {
    const attempts: Array<[string, Record<string, unknown>, string]> = [
      ["Create", { data: { id: "s1", email: "s1@t", total: 1, tenant_id: SPOOF } }, "data.tenant_id"],
      [
        "BulkCreate",
        {
          data: [
            { id: "s2", email: "s2@t", total: 1 },
            { id: "s3", email: "s3@t", total: 1, tenant_id: "b" },
          ],
        },
        "data[1].tenant_id",
      ],
      ["Update", { id: "a1", fields: { tenant_id: SPOOF } }, "fields.tenant_id"],
      ["BulkUpdate", { filter: { id: "a1" }, fields: { tenant_id: "b" } }, "fields.tenant_id"],
      ["Upsert", { where: { email: "x@t", tenant_id: SPOOF }, create: { id: "s4", total: 1 } }, "create.tenant_id"],
      ["Upsert", { where: { email: "x@t" }, create: { id: "s5", total: 1 }, update: { tenant_id: "b" } }, "update.tenant_id"],
      ["BulkUpsert", { data: [{ id: "s6", email: "x@t", total: 1, tenant_id: "b" }], conflictOn: ["email"] }, "data[0].tenant_id"],
      ["BulkCreate", { data: [{ id: "s7", email: "x@t", total: 1 }], onConflict: "update", conflictOn: ["email"], update: ["total", "tenant_id"] }, "update"],
    ];
    const beforeA = await rawRowsOf("a");
    const beforeB = await rawRowsOf("b");
    for (const [op, params, path] of attempts) {
      let error: Error | undefined;
      const statements = await statementsDuring(db, async () => {
        error = await failure(run(op, params, "a"));
      });
      expect(error, `${op} ${path}`).toBeInstanceOf(TenantError);
      expect((error as DataFlowError).field).toBe(path);
      expect(error!.message).not.toContain(SPOOF);
      expect(error!.message).not.toMatch(/'b'|"b"/);
      expect(statements, `${op} ${path}`).toEqual([]);
    }
    expect(await rawRowsOf("a")).toEqual(beforeA);
    expect(await rawRowsOf("b")).toEqual(beforeB);
  });

  it("lets a tenant_id in a filter only narrow to the bound tenant", async () => {
    const beforeB = await rawRowsOf("b");
    expect((await run("List", { filter: { tenant_id: "b" } }, "a")).result).toEqual([]);
    expect((await run("List", { filter: { $or: [{ tenant_id: "b" }, { total: { $gte: 0 } }] } }, "a")).result.map((r: { id: string }) => r.id)).toEqual(["a1"]);
    expect((await run("Count", { filter: { tenant_id: { $ne: "a" } } }, "a")).result).toBe(0);
    expect((await run("Read", { filter: { tenant_id: "b", email: "x@t" }, raiseOnNotFound: false }, "a")).found).toBe(false);
    expect((await run("BulkUpdate", { filter: { tenant_id: "b" }, fields: { total: 99 } }, "a")).result.updated).toBe(0);
    expect((await run("BulkDelete", { filter: { tenant_id: { $in: ["a", "b"] }, email: "y@t" } }, "a")).result.deleted).toBe(0);
    expect(await rawRowsOf("b")).toEqual(beforeB);
  });

  it("cannot read, update or delete another tenant's row by id, filter or $in", async () => {
    const beforeB = await rawRowsOf("b");
    expect((await run("Read", { id: "b1", raiseOnNotFound: false }, "a")).found).toBe(false);
    expect((await failure(run("Update", { id: "b1", fields: { total: 50 } }, "a"))).name).toBe("NotFoundError");
    expect((await run("Delete", { id: "b1", raiseOnNotFound: false }, "a")).result.deleted).toBe(false);
    expect((await run("List", { filter: { id: { $in: ["a1", "b1", "b2"] } } }, "a")).result.map((r: { id: string }) => r.id)).toEqual(["a1"]);
    expect((await run("BulkUpdate", { filter: { id: { $in: ["b1", "b2"] } }, fields: { total: 50 } }, "a")).result.updated).toBe(0);
    expect((await run("BulkDelete", { filter: { email: { $in: ["x@t", "y@t"] } } }, "a")).result.deleted).toBe(1);
    expect(await rawRowsOf("b")).toEqual(beforeB);
    await run("Create", { data: { id: "a1", email: "x@t", total: 1 } }, "a");
  });

  it("keeps natural keys unique per tenant: colliding emails across tenants, a duplicate within one", async () => {
    const dup = await failure(run("Create", { data: { id: "a9", email: "x@t", total: 1 } }, "a"));
    expect(dup).toBeInstanceOf(UniqueViolationError);
    expect((dup as UniqueViolationError).fields).toEqual(["tenant_id", "email"]);
    const up = await run("Upsert", { where: { email: "x@t" }, create: { id: "a8", total: 10 }, update: { total: 11 } }, "a");
    expect(up.created).toBe(false);
    expect(up.result).toMatchObject({ id: "a1", total: 11, tenant_id: "a" });
    const bulk = await run("BulkUpsert", { data: [{ id: "a1", email: "x@t", total: 12 }], conflictOn: ["email"] }, "a");
    expect(bulk.result).toEqual({ inserted: 0, updated: 1 });
    expect((await rawRowsOf("b")).map((r) => [r.id, r.total])).toEqual([
      ["b1", 2],
      ["b2", 3],
    ]);
  });

  it("never lets an upsert take over another tenant's row, even when primary keys collide", async () => {
    const beforeB = await rawRowsOf("b");
    const beforeA = await rawRowsOf("a");
    const takeovers: Array<[string, Record<string, unknown>]> = [
      ["Upsert", { where: { id: "b1" }, create: { email: "u1@t", total: 1 }, update: { total: 666 } }],
      ["BulkUpsert", { data: [{ id: "b1", email: "u2@t", total: 666 }], conflictOn: ["id"] }],
      ["BulkCreate", { data: [{ id: "b1", email: "u3@t", total: 666 }], onConflict: "skip" }],
      ["BulkCreate", { data: [{ id: "b2", email: "u4@t", total: 666 }], onConflict: "update", conflictOn: ["id"] }],
    ];
    for (const [op, params] of takeovers) {
      if (target.strategy === "schema") {
        // A table per tenant: b's ids do not exist for a, so these write a's own rows.
        await run(op, params, "a");
      } else {
        let error: Error | undefined;
        const statements = await statementsDuring(db, async () => {
          error = await failure(run(op, params, "a"));
        });
        expect(error, op).toBeInstanceOf(TenantError);
        expect(error!.message).not.toMatch(/'b'|"b"/);
        expect(statements.length, `${op} ran in SQL and was rolled back`).toBeGreaterThan(0);
      }
    }
    // b's id with a's own natural key: only a's own row may change.
    const mixed = await run("BulkUpsert", { data: [{ id: "b2", email: "x@t", total: 667 }], conflictOn: ["email"] }, "a").catch((e: unknown) => e);
    if (!(mixed instanceof Error)) expect(mixed.result).toEqual({ inserted: 0, updated: 1 });
    else expect((mixed as WorkflowError).cause).toBeInstanceOf(target.strategy === "schema" ? Error : TenantError);
    expect(await rawRowsOf("b")).toEqual(beforeB);
    const a = await rawRowsOf("a");
    expect(a.every((r) => r.tenant_id === "a")).toBe(true);
    if (target.strategy !== "schema") expect(a.map((r) => r.id)).toEqual(beforeA.map((r) => r.id));
    else await run("BulkDelete", { filter: { id: { $ne: "a1" } } }, "a");
  });

  it("inside a caller's transaction, a refused takeover rolls back only itself", async () => {
    const adapter = db.adapter as DatabaseAdapter;
    const beforeA = (await rawRowsOf("a")).map((r) => [r.id, r.total]);
    const beforeB = await rawRowsOf("b");
    await adapter.transaction(async () => {
      await run("Create", { data: { id: "t1", email: "t1@t", total: 1 } }, "a");
      if (target.strategy !== "schema") {
        const error = await failure(run("Upsert", { where: { id: "b1" }, create: { email: "t2@t", total: 1 }, update: { total: 666 } }, "a"));
        expect(error).toBeInstanceOf(TenantError);
      }
      await run("Update", { id: "t1", fields: { total: 2 } }, "a");
    });
    expect((await rawRowsOf("a")).map((r) => [r.id, r.total])).toEqual([...beforeA, ["t1", 2]]);
    expect(await rawRowsOf("b")).toEqual(beforeB);
    await run("Delete", { id: "t1" }, "a");
  });

  it("validates tenant ids and never echoes a rejected one, before any SQL", async () => {
    const bad = ["x' OR '1'='1", "*", "?", "[a-z]", "a:b", "", " ", "a".repeat(65), "é", "a/b", "a\u0000b"];
    if (target.strategy === "schema") bad.push("Acme", "a-b");
    for (const tenantId of bad) {
      let error: Error | undefined;
      const statements = await statementsDuring(db, async () => {
        error = await failure(run("List", {}, tenantId));
      });
      expect(error, JSON.stringify(tenantId)).toBeInstanceOf(TenantError);
      if (tenantId.length > 1) expect(error!.message).not.toContain(tenantId);
      expect(statements).toEqual([]);
      expect(() => t.run(tenantId, () => 1)).toThrow(TenantError);
    }
  });

  it("gives __proto__ no special meaning as a tenant id", async () => {
    await run("Create", { data: { id: "p1", email: "p@t", total: 1 } }, "__proto__");
    expect((await run("List", {}, "__proto__")).result.map((r: { id: string }) => r.id)).toEqual(["p1"]);
    expect((await run("List", {}, "a")).result.map((r: { id: string }) => r.id)).toEqual(["a1"]);
    await run("Delete", { id: "p1" }, "__proto__");
  });

  it("binds the tenant through tenancy.run, and refuses two different bound tenants before any SQL", async () => {
    const listed = await t.run("b", () => run("List", { orderBy: "id" }));
    expect(listed.result.map((r: { id: string }) => r.id)).toEqual(["b1", "b2"]);
    expect(t.current()).toBeUndefined();
    const same = await t.run("a", () => run("Count", {}, "a"));
    expect(same.result).toBe(1);
    let error: Error | undefined;
    const statements = await statementsDuring(db, async () => {
      error = await t.run("a", () => failure(run("Count", {}, "b")));
    });
    expect(error).toBeInstanceOf(TenantError);
    expect(error!.message).toMatch(/Two different tenants/);
    expect(statements).toEqual([]);
  });

  it("ignores a tenantId inherited from a polluted Object.prototype", async () => {
    const proto = Object.prototype as { tenantId?: string };
    proto.tenantId = "b";
    try {
      let error: Error | undefined;
      const statements = await statementsDuring(db, async () => {
        error = await failure(run("List", {}));
      });
      expect(error).toBeInstanceOf(TenantError);
      expect(statements).toEqual([]);
      const listed = await t.run("a", () => run("List", {}));
      expect(listed.result.map((r: { id: string }) => r.id)).toEqual(["a1"]);
    } finally {
      delete proto.tenantId;
    }
  });

  it("binds each run's tenant for every node of a multi-node workflow running concurrently", async () => {
    const wf = new WorkflowBuilder({ dataflow: db })
      .addNode(`${Order}_List`, "list", { orderBy: "id" })
      .addNode(`${Order}_Count`, "count", {})
      .addNode(`${Order}_Read`, "read", { id: "b1", raiseOnNotFound: false })
      .build();
    const runtime = new LocalRuntime({ dataflow: db });
    const [ra, rb] = await Promise.all([runtime.execute(wf, { tenantId: "a" }), t.run("b", () => runtime.execute(wf))]);
    expect(ra.results.list.result.map((r: { id: string }) => r.id)).toEqual(["a1"]);
    expect(ra.results.count.result).toBe(1);
    expect(ra.results.read.found).toBe(false);
    expect(rb.results.list.result.map((r: { id: string }) => r.id)).toEqual(["b1", "b2"]);
    expect(rb.results.read.found).toBe(true);
  });
}
