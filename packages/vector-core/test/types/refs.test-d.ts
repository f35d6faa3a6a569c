// Type tests (vitest --typecheck) of the vector nodes' typed references: search rows leave the
// vector fields out unless `select` names them, and keep their scores when it does.
import type { Row } from "@dataflow/kernel";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { describe, expectTypeOf, it } from "vitest";
import type { HybridScores } from "../../src/index.js";
import { vectorNodes } from "../../src/index.js";

declare const db: DataFlow;
const Doc = db.model("Doc", { title: field.string(), body: field.text(), embedding: field.vector(3) });
type Doc = Row<typeof Doc>;
const nodes = vectorNodes(Doc);
const runtime = new LocalRuntime();

describe("vectorNodes", () => {
  it("names the model's node types", () => {
    expectTypeOf(nodes.VectorSearch).toExtend<"Doc_VectorSearch">();
    expectTypeOf(nodes.HybridSearch).toExtend<"Doc_HybridSearch">();
  });

  it("VectorSearch rows have every field but the vectors, and distance", async () => {
    const wf = new WorkflowBuilder().addNode(nodes.VectorSearch, "near", { vector: [1, 0, 0], k: 3 }).build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.near.result).toEqualTypeOf<(Omit<Doc, "embedding"> & { distance: number })[]>();
    expectTypeOf(results.near.result[0]!.distance).toEqualTypeOf<number>();
    // @ts-expect-error -- no vectors unless select names them
    void results.near.result[0]?.embedding;
  });

  it("select narrows the rows to the selected fields, the vector among them when named, and keeps distance", async () => {
    const wf = new WorkflowBuilder()
      .addNode(nodes.VectorSearch, "near", { vector: [1, 0, 0], select: ["id", "embedding"] })
      .addNode(nodes.HybridSearch, "hybrid", { vector: [1, 0, 0], text: "apple", select: ["title"] })
      .build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.near.result).toEqualTypeOf<(Pick<Doc, "id" | "embedding"> & { distance: number })[]>();
    expectTypeOf(results.near.result[0]!.embedding).toEqualTypeOf<number[]>();
    expectTypeOf(results.hybrid.result[0]!).toEqualTypeOf<Pick<Doc, "title"> & HybridScores>();
    // @ts-expect-error -- a field that select left out
    void results.near.result[0]?.title;
  });

  it("HybridSearch rows carry both scores and no vectors", async () => {
    const wf = new WorkflowBuilder().addNode(nodes.HybridSearch, "hybrid", { vector: [1, 0, 0], text: "apple", k: 2 }).build();
    const { results } = await runtime.execute(wf);
    expectTypeOf(results.hybrid.result[0]!.textScore).toEqualTypeOf<number | null>();
    // @ts-expect-error -- no vectors unless select names them
    void results.hybrid.result[0]?.embedding;
  });

  it("refuses unknown fields and params", () => {
    // @ts-expect-error -- not a field of Doc
    new WorkflowBuilder().addNode(nodes.VectorSearch, "a", { vector: [1], select: ["nope"] });
    // @ts-expect-error -- not a vector field
    new WorkflowBuilder().addNode(nodes.VectorSearch, "b", { vector: [1], field: "title" });
    // @ts-expect-error -- misspelt param
    new WorkflowBuilder().addNode(nodes.VectorSearch, "c", { vector: [1], kk: 3 });
  });
});
