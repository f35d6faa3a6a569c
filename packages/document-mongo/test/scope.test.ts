import type { NodeContext, RowScope } from "@dataflow/kernel/plugin";
import { TenantError } from "@dataflow/kernel";
import { describe, expect, it } from "vitest";
import { bindScopes, scopeFilter, scopeIndexKeys, scopePipeline, scopeUpdate, stampDocument } from "../src/scope.js";

// Pure rewriting of MQL under a row scope; the emulator suite (tenancy-documents.test.ts) runs what the emulator can.
const tenant: RowScope = {
  field: "tenant_id",
  value: (ctx) => {
    if (!ctx.tenantId) throw new TenantError("No tenant is bound");
    return ctx.tenantId;
  },
  refusal: (message, path) => new TenantError(message, { field: path }),
};
const ctx = (tenantId?: string) => ({ tenantId }) as NodeContext;
const b = bindScopes([tenant], ctx("acme"));
const mine = { tenant_id: "acme" };
const refusedAt = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TenantError);
    return (error as TenantError).field;
  }
  throw new Error("expected a refusal");
};

describe("row scopes in MQL", () => {
  it("binding fails closed when the scope has no value", () => {
    expect(() => bindScopes([tenant], ctx())).toThrow(TenantError);
  });

  it("filters: the field is added, or ANDed when the filter names it", () => {
    expect(scopeFilter({}, b)).toEqual(mine);
    expect(scopeFilter({ n: { $gt: 1 } }, b)).toEqual({ n: { $gt: 1 }, tenant_id: "acme" });
    expect(scopeFilter({ tenant_id: "beta" }, b)).toEqual({ $and: [mine, { tenant_id: "beta" }] });
  });

  it("documents are stamped; another value is refused, an equal one kept", () => {
    expect(stampDocument({ a: 1 }, b, "document")).toEqual({ a: 1, tenant_id: "acme" });
    expect(stampDocument({ a: 1, tenant_id: "acme" }, b, "document")).toEqual({ a: 1, tenant_id: "acme" });
    expect(refusedAt(() => stampDocument({ tenant_id: 7 }, b, "documents[2]"))).toBe("documents[2].tenant_id");
  });

  it("updates: the field is never changed; upserts insert with it; pipelines end by setting it", () => {
    expect(scopeUpdate({ $set: { a: 1 } }, b, "update", false)).toEqual({ $set: { a: 1 } });
    expect(scopeUpdate({ $set: { a: 1, tenant_id: "acme" } }, b, "update", true)).toEqual({ $set: { a: 1 }, $setOnInsert: { tenant_id: "acme" } });
    expect(scopeUpdate({ $set: { tenant_id: "acme" } }, b, "update", false)).toEqual({ $set: { tenant_id: "acme" } });
    expect(scopeUpdate([{ $set: { a: 1 } }], b, "update", false)).toEqual([{ $set: { a: 1 } }, { $set: { tenant_id: { $literal: "acme" } } }]);
    expect(refusedAt(() => scopeUpdate({ $setOnInsert: { tenant_id: "beta" } }, b, "update", true))).toBe("update.$setOnInsert.tenant_id");
    expect(refusedAt(() => scopeUpdate({ $rename: { a: "tenant_id.x" } }, b, "update", false))).toBe("update.$rename.a");
    expect(refusedAt(() => scopeUpdate({ $inc: { "tenant_id.n": 1 } }, b, "update", false))).toBe("update.$inc.tenant_id.n");
  });

  it("pipelines: the scope is the first $match, merged into a leading $match or $geoNear's query", () => {
    expect(scopePipeline([{ $sort: { a: 1 } }], b, "pipeline")).toEqual([{ $match: mine }, { $sort: { a: 1 } }]);
    expect(scopePipeline([{ $match: { $text: { $search: "x" } } }], b, "pipeline")).toEqual([{ $match: { $text: { $search: "x" }, tenant_id: "acme" } }]);
    const near = { near: { type: "Point", coordinates: [0, 0] }, distanceField: "d" };
    expect(scopePipeline([{ $geoNear: near }], b, "pipeline")).toEqual([{ $geoNear: { ...near, query: mine } }]);
    expect(refusedAt(() => scopePipeline([{ $match: {} }, { $geoNear: near }], b, "pipeline"))).toBe("pipeline[1].$geoNear");
  });

  it("sub-pipelines that read another collection are scoped, inside $facet too", () => {
    const lookup = { from: "p", localField: "k", foreignField: "k", as: "j" };
    const filtered = { $set: { j: { $filter: { input: "$j", as: "df_joined", cond: { $and: [{ $eq: ["$$df_joined.tenant_id", { $literal: "acme" }] }] } } } } };
    expect(scopePipeline([{ $facet: { x: [{ $lookup: lookup }] } }], b, "pipeline")).toEqual([
      { $match: mine },
      { $facet: { x: [{ $lookup: lookup }, filtered] } },
    ]);
    expect(scopePipeline([{ $lookup: { from: "p", pipeline: [{ $match: { n: 1 } }], as: "j" } }], b, "pipeline")).toEqual([
      { $match: mine },
      { $lookup: { from: "p", pipeline: [{ $match: { n: 1, tenant_id: "acme" } }], as: "j" } },
    ]);
    expect(scopePipeline([{ $unionWith: "p" }], b, "pipeline")).toEqual([{ $match: mine }, { $unionWith: { coll: "p", pipeline: [{ $match: mine }] } }]);
    const graph = { from: "p", startWith: "$k", connectFromField: "k", connectToField: "k", as: "g" };
    expect(scopePipeline([{ $graphLookup: graph }], b, "pipeline")).toEqual([{ $match: mine }, { $graphLookup: { ...graph, restrictSearchWithMatch: mine } }]);
  });

  it("stages that read or write elsewhere are refused, at any depth", () => {
    for (const stage of [
      "$out",
      "$merge",
      "$collStats",
      "$indexStats",
      "$documents",
      "$search",
      "$vectorSearch",
      "$changeStream",
      "$currentOp",
      "$planCacheStats",
    ]) {
      expect(refusedAt(() => scopePipeline([{ [stage]: {} }], b, "pipeline"))).toBe(`pipeline[0].${stage}`);
    }
    expect(refusedAt(() => scopePipeline([{ $lookup: { from: "p", pipeline: [{ $documents: [] }], as: "j" } }], b, "pipeline"))).toBe(
      "pipeline[0].$lookup.pipeline[0].$documents",
    );
    expect(refusedAt(() => scopePipeline([{ $unionWith: { pipeline: [{ $documents: [] }] } }], b, "pipeline"))).toBe("pipeline[0].$unionWith.coll");
  });

  it("unique indexes get the scope field first; other indexes are unchanged", () => {
    expect(scopeIndexKeys({ email: 1 }, true, [tenant])).toEqual({ tenant_id: 1, email: 1 });
    expect(scopeIndexKeys({ tenant_id: 1, email: 1 }, true, [tenant])).toEqual({ tenant_id: 1, email: 1 });
    expect(scopeIndexKeys({ email: 1 }, false, [tenant])).toEqual({ email: 1 });
  });
});
