import { DataFlow, TenantError, field } from "@dataflow/kernel";
import { PluginError } from "@dataflow/kernel/plugin";
import { tenancy } from "@dataflow/tenancy";
import type { MongoTestDatabase } from "@dataflow/testing";
import { failureOf, runNode, useMongoDatabase } from "@dataflow/testing";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mongodb from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

describe.skipIf(skipReason !== undefined)(`tenancy row strategy on MongoDB (${provisioned.ok ? provisioned.db.source : skipReason})`, () => {
  let db: DataFlow;
  let raw: MongoClient;
  const run = (op: string, params: Record<string, unknown>, tenantId?: string) => runNode(db, `Note_${op}`, params, tenantId === undefined ? {} : { tenantId });
  const stored = () =>
    raw
      .db(server.databaseName)
      .collection("notes")
      .find({}, { sort: { text: 1 } })
      .toArray();

  beforeAll(async () => {
    db = new DataFlow({ url: server.url, plugins: [mongodb, tenancy({ strategy: "row" })] });
    db.model("Note", { text: field.string(), n: field.int().default(0) }, { table: "notes", tenant: true });
    raw = new MongoClient(server.url);
    await raw.connect();
    await run("BulkCreate", { data: [{ text: "a1" }, { text: "a2" }] }, "acme");
    await run("BulkCreate", { data: [{ text: "b1" }] }, "beta");
  });
  afterAll(async () => {
    await db?.close();
    await raw?.close();
    await server.dispose();
  });

  it("stamps the tenant on every write, read back by the raw driver", async () => {
    expect((await stored()).map((d) => [d.text, d.tenant_id])).toEqual([
      ["a1", "acme"],
      ["a2", "acme"],
      ["b1", "beta"],
    ]);
  });

  it("scopes every read, count and stream to the bound tenant", async () => {
    expect((await run("List", {}, "acme")).result.map((r: { text: string }) => r.text)).toEqual(["a1", "a2"]);
    expect((await run("Count", {}, "beta")).result).toBe(1);
    const b1 = (await run("List", {}, "beta")).result[0];
    expect(await run("Read", { id: b1.id, raiseOnNotFound: false }, "acme")).toEqual({ result: null, found: false });
  });

  it("bulk writes and deletes touch only the bound tenant's documents", async () => {
    expect(await run("BulkUpdate", { filter: {}, all: true, fields: { n: 7 } }, "beta")).toEqual({ result: { updated: 1 } });
    const docs = await stored();
    expect(docs.map((d) => [d.text, d.n])).toEqual([
      ["a1", 0],
      ["a2", 0],
      ["b1", 7],
    ]);
    const a1 = (await run("List", { filter: { text: "a1" } }, "acme")).result[0];
    expect((await failureOf(run("Delete", { id: a1.id }, "beta"))).constructor.name).toBe("NotFoundError");
    expect(await raw.db(server.databaseName).collection("notes").countDocuments()).toBe(3);
  });

  it("fails closed: no tenant bound, or a spoofed tenant_id, is a TenantError and writes nothing", async () => {
    expect(await failureOf(run("List", {}))).toBeInstanceOf(TenantError);
    expect(await failureOf(run("Create", { data: { text: "x", tenant_id: "beta" } }, "acme"))).toBeInstanceOf(TenantError);
    expect(await raw.db(server.databaseName).collection("notes").countDocuments()).toBe(3);
  });

  it("the schema strategy, which needs SQL schemas, is refused at construction", () => {
    expect(() => new DataFlow({ url: server.url, plugins: [mongodb, tenancy({ strategy: "schema" })] })).toThrow(PluginError);
  });
});
