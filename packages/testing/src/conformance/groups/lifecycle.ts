import { ConnectionError, LocalRuntime, WorkflowBuilder, WorkflowExecutionError } from "@dataflow/kernel";
import { describe, expect } from "vitest";
import type { Harness } from "../harness.js";
import { declareItem } from "../models.js";

const causeOf = (error: unknown) => (error instanceof WorkflowExecutionError ? error.cause : error);

export function lifecycleTests(h: Harness): void {
  describe("close", () => {
    h.test("after close every run fails with ClosedError, nothing reopens and healthCheck is not ok", async (t) => {
      const table = t.table("items");
      declareItem(t.db, table);
      const runtime = new LocalRuntime({ dataflow: t.db });
      const create = (id: string) => new WorkflowBuilder({ dataflow: t.db }).addNode("Item_Create", "n", { data: { id, name: id } }).build();
      const builtBefore = create("b");
      await runtime.execute(create("a"));
      await t.db.close();

      const attempts: Array<[string, () => Promise<unknown>]> = [
        ["a runtime held across close, workflow built before", () => runtime.execute(builtBefore)],
        ["a runtime held across close, a read", () => runtime.execute(new WorkflowBuilder({ dataflow: t.db }).addNode("Item_List", "n", {}).build())],
        ["a new runtime", () => new LocalRuntime({ dataflow: t.db }).execute(create("c"))],
        ["a transaction", () => t.db.transaction(async () => undefined)],
      ];
      for (const [what, attempt] of attempts) {
        let caught: unknown;
        try {
          await attempt();
        } catch (error) {
          caught = error;
        }
        const cause = causeOf(caught) as Error & { code?: string };
        expect(cause, what).toBeInstanceOf(ConnectionError);
        expect(cause.code, what).toBe("CLOSED");
        expect(cause.message, what).toMatch(/closed/);
      }
      const health = await t.db.healthCheck();
      expect(health.ok).toBe(false);
      expect(health.error).toMatch(/closed/);
      expect((await h.oracle.rows(table)).map((r) => r.id)).toEqual(["a"]);
    });
  });
}
