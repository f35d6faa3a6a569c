import { field } from "@dataflow/kernel";
import { Model, ValidationError } from "@dataflow/kernel/plugin";
import { describe, expect, it } from "vitest";
import { checkPluginOptions, reciprocalRankFusion, resolveIndexSpec } from "../src/index.js";

const doc = () => new Model("Doc", { body: field.text(), a: field.vector(3), b: field.vector(3) });

describe("reciprocalRankFusion", () => {
  const near = [
    { id: 1, distance: 0.1 },
    { id: 2, distance: 0.2 },
    { id: 3, distance: 0.3 },
  ];
  const text = [
    { id: 3, textScore: 0.9 },
    { id: 4, textScore: 0.5 },
  ];

  it("adds w / (rrfK + rank) per list and reports both ranks and scores", () => {
    const fused = reciprocalRankFusion(near, text, "id", { vector: 1, text: 1 }, 60, 10);
    expect(fused.map((r) => r.id)).toEqual([3, 1, 2, 4]);
    expect(fused[0]).toMatchObject({ id: 3, distance: 0.3, textScore: 0.9, vectorRank: 3, textRank: 1 });
    expect(fused[0]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(fused[3]).toMatchObject({ id: 4, distance: null, vectorRank: null, textRank: 2 });
  });

  it("weights shift the order; the limit cuts after sorting", () => {
    expect(reciprocalRankFusion(near, text, "id", { vector: 1, text: 0 }, 60, 2).map((r) => r.id)).toEqual([1, 2]);
    expect(reciprocalRankFusion(near, text, "id", { vector: 0, text: 1 }, 60, 2).map((r) => r.id)).toEqual([3, 4]);
  });
});

describe("index declarations", () => {
  it("resolve with a default name and distance", () => {
    const spec = resolveIndexSpec(doc(), { field: "a", method: "hnsw", m: 8, efConstruction: 40 }, "p");
    expect(spec).toMatchObject({ name: "docs_a_hnsw_cosine", method: "hnsw", distance: "cosine", m: 8, efConstruction: 40 });
  });

  it.each([
    [{ method: "hnsw" }, "p.field"],
    [{ field: "body", method: "hnsw" }, "p.field"],
    [{ field: "a", method: "flat" }, "p.method"],
    [{ field: "a", method: "ivfflat", m: 4 }, "p.m"],
    [{ field: "a", method: "hnsw", lists: 4 }, "p.lists"],
    [{ field: "a", method: "hnsw", m: 16, efConstruction: 8 }, "p.efConstruction"],
    [{ field: "a", method: "hnsw", distance: "hamming" }, "p.distance"],
    [{ field: "a", method: "hnsw", extra: 1 }, "p.extra"],
  ])("%j is a ValidationError naming %s", (spec, path) => {
    let error: unknown;
    try {
      resolveIndexSpec(doc(), spec, "p");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(path);
  });

  it("plugin options are checked by shape", () => {
    expect(() => checkPluginOptions({ indexes: [] })).toThrow(ValidationError);
    expect(() => checkPluginOptions({ fullText: { Doc: "body" } })).toThrow(ValidationError);
    expect(checkPluginOptions({ fullText: { Doc: ["body"] } })).toEqual({ fullText: { Doc: ["body"] } });
  });
});
