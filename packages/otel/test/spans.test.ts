import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { DataFlow, LocalRuntime, WorkflowBuilder, field } from "@dataflow/kernel";
import { channels } from "@dataflow/kernel/plugin";
import { useTestDatabase } from "@dataflow/testing";
import type { DataFlowInstrumentation } from "../src/index.js";
import { instrumentDataFlow } from "../src/index.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let instrumentation: DataFlowInstrumentation;
beforeAll(() => {
  instrumentation = instrumentDataFlow({ tracerProvider: provider });
});
afterAll(() => instrumentation.disable());

type Target = { name: string; system: string; url: string; dispose(): Promise<void> } | { name: string; skip: string };

async function target(kind: "postgres" | "mysql"): Promise<Target> {
  const res = await useTestDatabase(kind);
  if (!res.ok) return { name: kind, skip: res.reason };
  return { name: kind, system: kind === "postgres" ? "postgresql" : "mysql", url: res.db.url, dispose: () => res.db.dispose() };
}

const targets: Target[] = [
  { name: "sqlite", system: "sqlite", url: "sqlite::memory:", dispose: async () => {} },
  await target("postgres"),
  await target("mysql"),
];
afterAll(() => Promise.all(targets.map((t) => ("dispose" in t ? t.dispose() : undefined))));

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

for (const t of targets) {
  const skip = "skip" in t ? t.skip : "";
  describe.skipIf(skip !== "")(`spans on ${t.name}${skip ? ` (skipped: ${skip})` : ""}`, () => {
    it("a run has one run span, node spans under it, and statement spans under their node, per the database conventions", async () => {
      if ("skip" in t) return;
      const db = new DataFlow({ url: t.url, namespace: `${t.name}_otel` });
      try {
        const Order = db.model("Order", { customer: field.string(), total: field.int() });
        await db.initialize();
        exporter.reset();
        const wf = new WorkflowBuilder({ dataflow: db, name: "checkout" })
          .addNode(Order.nodes.Create, "place", { data: { customer: "ann@example.test", total: 4200 } })
          .addNode(Order.nodes.List, "recent", { filter: { customer: "ann@example.test" } })
          .addDependency("place", "recent")
          .build();
        const { runId } = await new LocalRuntime({ dataflow: db }).execute(wf);

        const spans = exporter.getFinishedSpans();
        const runs = spans.filter((s) => s.name === "dataflow.run checkout");
        expect(runs).toHaveLength(1);
        const run = runs[0]!;
        expect(run.attributes).toMatchObject({ "dataflow.run.id": runId, "dataflow.workflow.name": "checkout", "dataflow.workflow.node_count": 2 });

        const nodes = spans.filter((s) => s.name.startsWith("dataflow.node "));
        expect(nodes.map((s) => s.attributes["dataflow.node.id"]).sort()).toEqual(["place", "recent"]);
        for (const node of nodes) {
          expect(parentOf(node)).toBe(run.spanContext().spanId);
          expect(node.spanContext().traceId).toBe(run.spanContext().traceId);
        }

        const statements = spans.filter((s) => s.kind === SpanKind.CLIENT);
        expect(statements.length).toBeGreaterThanOrEqual(2);
        const nodeIds = new Set(nodes.map((n) => n.spanContext().spanId));
        for (const s of statements) {
          expect(nodeIds.has(parentOf(s)!)).toBe(true);
          expect(s.attributes["db.system.name"]).toBe(t.system);
        }
        const insert = statements.find((s) => s.attributes["db.operation.name"] === "INSERT")!;
        expect(insert.attributes["db.collection.name"]).toBe(Order.table);
        expect(insert.name).toBe(`INSERT ${Order.table}`);
        const select = statements.find((s) => s.attributes["db.operation.name"] === "SELECT" && parentOf(s) !== parentOf(insert))!;
        expect(String(select.attributes["db.query.text"])).toContain(Order.table);
        const texts = JSON.stringify(spans.map((s) => s.attributes));
        expect(texts).not.toContain("ann@example.test");
        expect(texts).not.toContain("4200");
      } finally {
        await db.close();
      }
    });

    it("a failing node marks its node and run spans as errors with the typed error class", async () => {
      if ("skip" in t) return;
      const db = new DataFlow({ url: t.url, namespace: `${t.name}_otel_fail` });
      try {
        const Item = db.model("Item", { sku: field.string().unique() });
        await db.initialize();
        const runtime = new LocalRuntime({ dataflow: db });
        const create = new WorkflowBuilder({ dataflow: db }).addNode(Item.nodes.Create, "add", { data: { sku: "A-1" } }).build();
        await runtime.execute(create);
        exporter.reset();
        await expect(runtime.execute(create)).rejects.toThrow();
        const spans = exporter.getFinishedSpans();
        const node = spans.find((s) => s.name.startsWith("dataflow.node "))!;
        expect(node.status.code).toBe(SpanStatusCode.ERROR);
        expect(node.attributes["error.type"]).toBe("UniqueViolationError");
        const run = spans.find((s) => s.name === "dataflow.run")!;
        expect(run.status.code).toBe(SpanStatusCode.ERROR);
      } finally {
        await db.close();
      }
    });
  });
}

describe("disable()", () => {
  it("unsubscribes: the channels have no subscriber left and no span is made", async () => {
    const second = instrumentDataFlow({ tracerProvider: provider });
    second.disable();
    instrumentation.disable();
    expect(channels.run.hasSubscribers || channels.node.hasSubscribers || channels.query.hasSubscribers).toBe(false);
    exporter.reset();
    const db = new DataFlow({ url: "sqlite::memory:", namespace: "otel_off" });
    try {
      const Tag = db.model("Tag", { label: field.string() });
      await new LocalRuntime({ dataflow: db }).execute(new WorkflowBuilder({ dataflow: db }).addNode(Tag.nodes.Create, "t", { data: { label: "x" } }).build());
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await db.close();
      instrumentation = instrumentDataFlow({ tracerProvider: provider });
    }
  });
});
