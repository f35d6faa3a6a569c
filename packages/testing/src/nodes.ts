import type { DataFlow } from "@dataflow/kernel";
import type { ExecuteOptions, NodeDefinition } from "@dataflow/kernel/plugin";
import { LocalRuntime, WorkflowBuilder } from "@dataflow/kernel";
import { WorkflowExecutionError } from "@dataflow/kernel/plugin";

/** Runs a one-node workflow on `db` and returns the node's output. */
export async function runNode<R = any>(db: DataFlow, type: string | NodeDefinition, params: Record<string, unknown>, options: ExecuteOptions = {}): Promise<R> {
  const wf = new WorkflowBuilder({ dataflow: db }).addNode(type, "n", params).build();
  const { results } = await new LocalRuntime({ dataflow: db }).execute(wf, options);
  return results.n as R;
}

/** The typed error a run failed with (a node's error, unwrapped from WorkflowExecutionError); throws if it succeeded. */
export async function failureOf(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error instanceof WorkflowExecutionError ? (error.cause as Error) : (error as Error);
  }
  throw new Error("expected the run to fail, and it succeeded");
}
