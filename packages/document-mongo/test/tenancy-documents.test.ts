import { tracingChannel } from "node:diagnostics_channel";
import { DataFlow, TenantError, ValidationError } from "@dataflow/kernel";
import { tenancy } from "@dataflow/tenancy";
import type { MongoTestDatabase } from "@dataflow/testing";
import { failureOf, runNode, useMongoDatabase } from "@dataflow/testing";
import type { Document } from "mongodb";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mongodb, { MongoAdapter } from "../src/index.js";

const provisioned = await useMongoDatabase();
const skipReason = provisioned.ok ? undefined : provisioned.reason;
const server = provisioned.ok ? provisioned.db : (undefined as unknown as MongoTestDatabase);

const TENANTS = ["acme", "beta"] as const;

describe.skipIf(skipReason !== undefined)(
  `tenancy row strategy on the document nodes (${provisioned.ok ? provisioned.db.source : `skipped: ${skipReason}`})`,
  () => {
    let db: DataFlow;
    let raw: MongoClient;
    let adapter: MongoAdapter;
    const run = (type: string, params: Record<string, unknown>, tenantId?: string) => runNode(db, type, params, tenantId === undefined ? {} : { tenantId });
    const coll = (name: string) => raw.db(server.databaseName).collection(name);
    /** Every stored document of `name` as [tenant_id, tag], sorted: the raw driver's view, past DataFlow. */
    const stored = async (name: string) =>
      (await coll(name).find({}).toArray()).map((d) => [d.tenant_id, d.tag] as [unknown, unknown]).sort((a, b) => String(a).localeCompare(String(b)));
    const tags = (docs: Document[]) => docs.map((d) => d.tag).sort();

    beforeAll(async () => {
      db = new DataFlow({ url: server.url, plugins: [mongodb, tenancy({ strategy: "row" })] });
      await db.initialize();
      adapter = db.adapter as MongoAdapter;
      raw = new MongoClient(server.url);
      await raw.connect();
      for (const t of TENANTS) {
        await run("DocumentInsert", { collection: "events", document: { tag: `${t}-1`, n: 1 } }, t);
        await run(
          "BulkDocumentInsert",
          {
            collection: "events",
            documents: [
              { tag: `${t}-2`, n: 2 },
              { tag: `${t}-3`, n: 3 },
            ],
          },
          t,
        );
        await run("BulkDocumentInsert", { collection: "profiles", documents: [{ tag: `${t}-p`, n: 1 }] }, t);
      }
    });
    afterAll(async () => {
      await db?.close();
      await raw?.close();
      await server.dispose();
    });

    it("stamps the bound tenant on every inserted document (raw driver)", async () => {
      expect(await stored("events")).toEqual([
        ["acme", "acme-1"],
        ["acme", "acme-2"],
        ["acme", "acme-3"],
        ["beta", "beta-1"],
        ["beta", "beta-2"],
        ["beta", "beta-3"],
      ]);
      expect((await stored("profiles")).map(([t]) => t)).toEqual(["acme", "beta"]);
    });

    it("DocumentFind and DocumentCount see only the bound tenant's documents, whatever the filter", async () => {
      expect(tags((await run("DocumentFind", { collection: "events" }, "acme")).result)).toEqual(["acme-1", "acme-2", "acme-3"]);
      expect((await run("DocumentFind", { collection: "events", filter: { tenant_id: "beta" } }, "acme")).result).toEqual([]);
      const escape = { $or: [{ tenant_id: "beta" }, { n: { $gte: 0 } }] };
      expect(tags((await run("DocumentFind", { collection: "events", filter: escape }, "acme")).result)).toEqual(["acme-1", "acme-2", "acme-3"]);
      expect((await run("DocumentCount", { collection: "events" }, "beta")).result).toBe(3);
      expect((await run("DocumentCount", { collection: "events", filter: { tag: "acme-1" } }, "beta")).result).toBe(0);
    });

    it("Aggregate starts with the tenant's $match, merged into a leading $match", async () => {
      const grouped = await run("Aggregate", { collection: "events", pipeline: [{ $group: { _id: "$tenant_id", n: { $sum: "$n" } } }] }, "beta");
      expect(grouped.result).toEqual([{ _id: "beta", n: 6 }]);
      const matched = await run("Aggregate", { collection: "events", pipeline: [{ $match: { $or: [{ tenant_id: "acme" }, { n: 1 }] } }] }, "beta");
      expect(tags(matched.result)).toEqual(["beta-1"]);
    });

    it("$lookup, $unionWith, $graphLookup and $facet read only the tenant's documents of the other collection", async () => {
      const joined = await run(
        "Aggregate",
        { collection: "events", pipeline: [{ $match: { n: 1 } }, { $lookup: { from: "profiles", localField: "n", foreignField: "n", as: "who" } }] },
        "acme",
      );
      expect(joined.result.map((d: Document) => [d.tag, tags(d.who)])).toEqual([["acme-1", ["acme-p"]]]);
      const union = await run("Aggregate", { collection: "events", pipeline: [{ $match: { n: 1 } }, { $unionWith: "profiles" }] }, "acme");
      expect(tags(union.result)).toEqual(["acme-1", "acme-p"]);
      const unionPipe = await run(
        "Aggregate",
        { collection: "events", pipeline: [{ $match: { n: 9 } }, { $unionWith: { coll: "profiles", pipeline: [{ $match: { n: 1 } }] } }] },
        "beta",
      );
      expect(tags(unionPipe.result)).toEqual(["beta-p"]);
      const graph = await run(
        "Aggregate",
        {
          collection: "events",
          pipeline: [{ $match: { n: 1 } }, { $graphLookup: { from: "profiles", startWith: "$n", connectFromField: "n", connectToField: "n", as: "g" } }],
        },
        "beta",
      );
      expect(graph.result.map((d: Document) => tags(d.g))).toEqual([["beta-p"]]);
      const facet = await run(
        "Aggregate",
        {
          collection: "events",
          pipeline: [{ $facet: { ones: [{ $match: { n: 1 } }], all: [{ $count: "n" }] } }],
        },
        "beta",
      );
      // The emulator runs no $lookup inside $facet; test/scope.test.ts checks how such a lookup is rewritten.
      expect(facet.result[0].all).toEqual([{ n: 3 }]);
      expect(tags(facet.result[0].ones)).toEqual(["beta-1"]);
    });

    it("$lookup with a pipeline gets the tenant's $match first in its sub-pipeline", async (t) => {
      const missing = adapter.missing("lookupPipeline");
      if (missing) return t.skip(`needs capability 'lookupPipeline': ${missing}`);
      const joined = await run(
        "Aggregate",
        { collection: "events", pipeline: [{ $match: { n: 1 } }, { $lookup: { from: "profiles", pipeline: [{ $match: { n: 1 } }], as: "who" } }] },
        "acme",
      );
      expect(joined.result.map((d: Document) => tags(d.who))).toEqual([["acme-p"]]);
    });

    it("DocumentUpdate and DocumentDelete touch only the tenant's documents, even with an empty filter and multi", async () => {
      expect((await run("DocumentUpdate", { collection: "events", filter: {}, update: { $inc: { n: 10 } }, multi: true }, "beta")).result.matched).toBe(3);
      expect((await coll("events").find({ tenant_id: "acme" }).toArray()).map((d) => d.n).sort()).toEqual([1, 2, 3]);
      expect(
        (await run("DocumentUpdate", { collection: "events", filter: { tag: "acme-1" }, update: { $set: { hacked: true } } }, "beta")).result.matched,
      ).toBe(0);
      expect((await run("DocumentDelete", { collection: "events", filter: { tag: "acme-2" } }, "beta")).result.deleted).toBe(0);
      expect((await run("DocumentDelete", { collection: "events", filter: { n: 13 }, multi: true }, "beta")).result.deleted).toBe(1);
      expect(await coll("events").countDocuments({ tenant_id: "acme" })).toBe(3);
      expect(await coll("events").countDocuments({ hacked: true })).toBe(0);
    });

    it("an upsert inserts with the bound tenant; setting tenant_id to the bound tenant is accepted", async () => {
      const out = await run(
        "DocumentUpdate",
        { collection: "events", filter: { tag: "acme-new" }, update: { $set: { n: 7, tenant_id: "acme" } }, upsert: true },
        "acme",
      );
      expect(out.result.upserted).toBe(1);
      expect(await coll("events").findOne({ tag: "acme-new" })).toMatchObject({ tag: "acme-new", tenant_id: "acme", n: 7 });
      // The same filter under beta does not match acme's document: it upserts beta's own.
      await run("DocumentUpdate", { collection: "events", filter: { tag: "acme-new" }, update: { $set: { n: 8 } }, upsert: true }, "beta");
      expect((await coll("events").find({ tag: "acme-new" }).toArray()).map((d) => [d.tenant_id, d.n]).sort()).toEqual([
        ["acme", 7],
        ["beta", 8],
      ]);
    });

    it("a document or update that names another tenant is a TenantError naming the field, and writes nothing", async () => {
      const before = await stored("events");
      const cases: [string, Record<string, unknown>, string][] = [
        ["DocumentInsert", { collection: "events", document: { tag: "x", tenant_id: "beta" } }, "document.tenant_id"],
        ["BulkDocumentInsert", { collection: "events", documents: [{ tag: "x" }, { tag: "y", tenant_id: "beta" }] }, "documents[1].tenant_id"],
        ["DocumentUpdate", { collection: "events", filter: {}, update: { $set: { tenant_id: "beta" } }, multi: true }, "update.$set.tenant_id"],
        ["DocumentUpdate", { collection: "events", filter: {}, update: { $unset: { tenant_id: "" } } }, "update.$unset.tenant_id"],
        ["DocumentUpdate", { collection: "events", filter: {}, update: { $rename: { tag: "tenant_id" } } }, "update.$rename.tag"],
        ["DocumentUpdate", { collection: "events", filter: {}, update: { $set: { "tenant_id.x": 1 } } }, "update.$set.tenant_id.x"],
      ];
      for (const [type, params, field] of cases) {
        const error = await failureOf(run(type, params, "acme"));
        expect(error, field).toBeInstanceOf(TenantError);
        expect((error as TenantError).field, field).toBe(field);
        expect(error.message).not.toContain("beta");
      }
      expect(await stored("events")).toEqual(before);
    });

    it("stages that read or write outside the pipeline are refused under tenancy", async () => {
      const cases: [Document[], string][] = [
        [[{ $out: "copy" }], "pipeline[0].$out"],
        [[{ $match: {} }, { $merge: { into: "copy" } }], "pipeline[1].$merge"],
        [[{ $collStats: { count: {} } }], "pipeline[0].$collStats"],
        [[{ $lookup: { from: { db: "other", coll: "profiles" }, localField: "n", foreignField: "n", as: "x" } }], "pipeline[0].$lookup.from"],
        [[{ $facet: { a: [{ $unionWith: { coll: "profiles", pipeline: [{ $out: "copy" }] } }] } }], "pipeline[0].$facet.a[0].$unionWith.pipeline[0].$out"],
      ];
      for (const [pipeline, field] of cases) {
        const error = await failureOf(run("Aggregate", { collection: "events", pipeline, allowWriteStages: true }, "acme"));
        expect(error, field).toBeInstanceOf(TenantError);
        expect((error as TenantError).field).toBe(field);
      }
      expect(await coll("copy").countDocuments()).toBe(0);
    });

    it("fails closed: with no tenant bound every data node is a TenantError before any command", async () => {
      const seen: unknown[] = [];
      const handlers = { start: (m: unknown) => seen.push(m), end() {}, asyncStart() {}, asyncEnd() {}, error() {} };
      const channel = tracingChannel("dataflow:query");
      channel.subscribe(handlers as never);
      try {
        const nodes: [string, Record<string, unknown>][] = [
          ["DocumentInsert", { collection: "events", document: { tag: "none" } }],
          ["BulkDocumentInsert", { collection: "events", documents: [{ tag: "none" }] }],
          ["DocumentFind", { collection: "events" }],
          ["DocumentUpdate", { collection: "events", filter: {}, update: { $set: { n: 0 } }, multi: true }],
          ["DocumentDelete", { collection: "events", filter: {}, multi: true }],
          ["Aggregate", { collection: "events", pipeline: [{ $match: {} }] }],
          ["DocumentCount", { collection: "events" }],
        ];
        for (const [type, params] of nodes) expect(await failureOf(run(type, params)), type).toBeInstanceOf(TenantError);
      } finally {
        channel.unsubscribe(handlers as never);
      }
      expect(seen).toEqual([]);
    });

    it("CreateIndex puts tenant_id first in a unique index (unique per tenant, as for models); other indexes as given", async () => {
      await run("CreateIndex", { collection: "profiles", keys: { tag: 1 }, unique: true, name: "tag_unique" });
      await run("CreateIndex", { collection: "profiles", keys: { n: -1 }, name: "n_desc" });
      const indexes = await coll("profiles").listIndexes().toArray();
      expect(indexes.find((i) => i.name === "tag_unique")?.key).toEqual({ tenant_id: 1, tag: 1 });
      expect(indexes.find((i) => i.name === "n_desc")?.key).toEqual({ n: -1 });
      const ttl = await failureOf(run("CreateIndex", { collection: "profiles", keys: { at: 1 }, unique: true, expireAfterSeconds: 60 }));
      expect(ttl).toBeInstanceOf(ValidationError);
    });
  },
);
