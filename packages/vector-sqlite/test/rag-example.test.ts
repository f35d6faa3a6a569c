// The README's RAG-style example, run as written (embedding, store, search, hybrid search).
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { expect, it } from "vitest";
import { vectorSqlite } from "../src/index.js";

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

it("the README's RAG example finds the right chunks", async () => {
  const db = new DataFlow({ url: "sqlite::memory:", plugins: [vectorSqlite({ fullText: { Chunk: ["body"] } })] });
  db.model("Chunk", { source: field.string(), body: field.text(), embedding: field.vector(64) });
  const runtime = new LocalRuntime({ dataflow: db });
  const run = async (type: string, params: Record<string, unknown>) =>
    (await runtime.execute(new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build())).results.n as any;
  try {
    const chunks = [
      { source: "guide", body: "Install the package and declare your models" },
      { source: "guide", body: "Vector search finds the nearest embeddings to a question" },
      { source: "faq", body: "Hybrid search fuses keyword rank and vector rank" },
    ];
    await run("Chunk_VectorInsert", { data: chunks.map((c) => ({ ...c, embedding: embed(c.body) })) });
    const question = "how does vector search find embeddings";
    const near = await run("Chunk_VectorSearch", { vector: embed(question), k: 2, filter: { source: "guide" }, select: ["body"] });
    expect(near.result[0].body).toBe("Vector search finds the nearest embeddings to a question");
    expect(near.result[0].distance).toBeLessThan(near.result[1].distance);
    const hybrid = await run("Chunk_HybridSearch", { vector: embed(question), text: "hybrid keyword", k: 2, weights: { vector: 1, text: 2 } });
    expect(hybrid.result[0].body).toBe("Hybrid search fuses keyword rank and vector rank");
    expect(hybrid.result[0].textScore).toBeGreaterThan(0);
    expect(hybrid.result[0]).not.toHaveProperty("embedding");
    const withVector = await run("Chunk_VectorSearch", { vector: embed(question), k: 1, select: ["id", "embedding"] });
    expect(withVector.result[0].embedding).toHaveLength(64);
    expect(Object.keys(withVector.result[0]).sort()).toEqual(["distance", "embedding", "id"]);
  } finally {
    await db.close();
  }
});
