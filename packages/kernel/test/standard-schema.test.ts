import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LocalRuntime, ValidationError, WorkflowBuilder, WorkflowExecutionError, defineNode } from "../src/index.js";

const greet = defineNode({
  type: "Test_Greet",
  params: z.object({ name: z.string().min(1), times: z.number().int().positive().default(1), tags: z.array(z.string()).optional() }),
  run: ({ name, times }) => ({ result: Array.from({ length: times }, () => `hi ${name}`) }),
});

async function failure(run: Promise<unknown>): Promise<ValidationError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowExecutionError);
  const cause = (error as WorkflowExecutionError).cause;
  expect(cause).toBeInstanceOf(ValidationError);
  return cause as ValidationError;
}

describe("defineNode with a Standard Schema", () => {
  it("runs with the schema's validated output (defaults applied) and passes connected values through it", async () => {
    const wf = new WorkflowBuilder()
      .addNode(greet, "a", { name: "Ada" })
      .addNode(greet, "b", { times: 2 })
      .addConnection("a", "result", "b", "tags")
      .addConnection("a", "result.0", "b", "name")
      .build();
    const { results } = await new LocalRuntime().execute(wf);
    expect(results.a.result).toEqual(["hi Ada"]);
    expect(results.b.result).toEqual(["hi hi Ada", "hi hi Ada"]);
  });

  it("turns schema failures into a ValidationError naming the issue path, before run", async () => {
    let ran = 0;
    const node = defineNode({
      type: "Test_Nested",
      params: z.object({ user: z.object({ age: z.number().int() }) }),
      run: () => ++ran,
    });
    const bad = { user: { age: "36" } } as unknown as { user: { age: number } };
    const error = await failure(new LocalRuntime().execute(new WorkflowBuilder().addNode(node, "n", bad).build()));
    expect(error.field).toBe("user.age");
    expect(error.message).toMatch(/Test_Nested.*'user\.age'/);
    expect(ran).toBe(0);
  });

  it("works with valibot, including unknown keys refused by a strict schema", async () => {
    const node = defineNode({
      type: "Test_Valibot",
      params: v.strictObject({ limit: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
      run: ({ limit }) => ({ result: limit * 2 }),
    });
    expect((await new LocalRuntime().execute(new WorkflowBuilder().addNode(node, "n", { limit: 4 }).build())).results.n.result).toBe(8);
    const wrong = { limit: 0 };
    const error = await failure(new LocalRuntime().execute(new WorkflowBuilder().addNode(node, "n", wrong).build()));
    expect(error.field).toBe("limit");
  });

  it("the ParamsSchema format keeps working, with its build-time name check", () => {
    const old = defineNode<{ value?: number }>({ type: "Test_Old", params: { value: { type: "number" } }, run: (p) => p.value });
    const untyped = new WorkflowBuilder();
    untyped.addNode(old, "n", { valu: 1 } as { value?: number });
    expect(() => untyped.build()).toThrow(/unknown parameter 'valu'/);
  });
});
