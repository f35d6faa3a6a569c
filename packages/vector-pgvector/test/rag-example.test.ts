// The README's RAG-style example on PostgreSQL + pgvector, run as written.
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { usePgvectorDatabase } from "@dataflow/testing";
import { describe, expect, it } from "vitest";
import { pgvector } from "../src/index.js";

const res = await usePgvectorDatabase();

function embed(text: string, dims = 64): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 2166136261;
    for (const c of word) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
    v[(h >>> 0) % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

if (res.ok) {
  it("the README's RAG example finds the right chunks", async () => {
    const db = new DataFlow({
      url: res.db.url,
      plugins: [pgvector({ indexes: { Chunk: [{ field: "embedding", method: "hnsw" }] }, fullText: { Chunk: ["body"] } })],
    });
    db.model("Chunk", { source: field.string(), body: field.text(), embedding: field.vector(64) });
    const runtime = new LocalRuntime({ dataflow: db });
    const run = async (type: string, params: Record<string, unknown>) =>
      (await runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build())).results.n as any;
    try {
      await run("Chunk_VectorInsert", {
        data: [
          "Install the package and declare your models",
          "Vector search finds the nearest embeddings to a question",
          "Hybrid search fuses keyword rank and vector rank",
        ].map((body, i) => ({ source: i < 2 ? "guide" : "faq", body, embedding: embed(body) })),
      });
      const question = "how does vector search find embeddings";
      const near = await run("Chunk_VectorSearch", { vector: embed(question), k: 2, filter: { source: "guide" }, select: ["body"] });
      expect(near.result[0].body).toBe("Vector search finds the nearest embeddings to a question");
      const hybrid = await run("Chunk_HybridSearch", { vector: embed(question), text: "hybrid keyword", k: 2, weights: { vector: 1, text: 2 } });
      expect(hybrid.result[0].body).toBe("Hybrid search fuses keyword rank and vector rank");
      expect(hybrid.result[0].textScore).toBeGreaterThan(0);
      expect(hybrid.result[0]).not.toHaveProperty("embedding");
      const withVector = await run("Chunk_VectorSearch", { vector: embed(question), k: 1, select: ["id", "embedding"] });
      expect(withVector.result[0].embedding).toHaveLength(64);
      expect(Object.keys(withVector.result[0]).sort()).toEqual(["distance", "embedding", "id"]);
    } finally {
      await db.close();
      await res.db.dispose();
    }
  });
} else {
  describe.skip(`RAG example [${res.reason}]`, () => {
    it("needs PostgreSQL with pgvector", () => {});
  });
}
