// MCP tools from the workflows, on the official SDK's low-level server (the schemas are JSON
// Schemas already). A small set gets one tool per workflow; a large one is grouped per model and
// access so the tool count stays under `maxTools`; a huge one gets three generic tools.
import type { JsonSchema, NamedWorkflow } from "@dataflow/kernel";
import { NotFoundError, ValidationError } from "@dataflow/kernel";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Gateway } from "./gateway.js";
import type { Credentials } from "./policy.js";
import { toJson, toJsonValue } from "./serialize.js";

export interface McpOptions {
  /** Expose and allow workflows that write or delete (default false: MCP is read-only). */
  readonly allowWrites?: boolean;
  /** Above this many tools, workflows are grouped (default 40). */
  readonly maxTools?: number;
  readonly name?: string;
  readonly version?: string;
}

interface PlannedTool {
  readonly tool: Tool;
  /** The workflow and inputs a call of this tool runs. */
  readonly target: (args: Record<string, unknown>) => { workflow: string; inputs: unknown };
}

const RUN_OUTPUT: JsonSchema = { type: "object", properties: { results: { type: "object" }, runId: { type: "string" } }, required: ["results", "runId"] };

function annotations(title: string, accesses: readonly string[]) {
  const read = accesses.every((a) => a === "read");
  return { title, readOnlyHint: read, destructiveHint: accesses.includes("delete"), idempotentHint: read, openWorldHint: false };
}

function perWorkflow(wf: NamedWorkflow): PlannedTool {
  return {
    tool: {
      name: wf.name,
      description: wf.description,
      inputSchema: wf.inputSchema as Tool["inputSchema"],
      outputSchema: {
        type: "object",
        properties: { results: wf.outputSchema, runId: { type: "string" } },
        required: ["results", "runId"],
      } as Tool["outputSchema"],
      annotations: annotations(wf.name, [wf.access]),
    },
    target: (args) => ({ workflow: wf.name, inputs: args }),
  };
}

function grouped(name: string, members: readonly NamedWorkflow[]): PlannedTool {
  const byOp = new Map(members.map((wf) => [wf.operation ?? wf.name, wf] as const));
  const lines = members.map(
    (wf) => `- ${wf.operation ?? wf.name}: ${wf.description} Inputs: ${wf.inputs.map((i) => i.name + (i.required ? "*" : "")).join(", ") || "none"}.`,
  );
  return {
    tool: {
      name,
      description: `Operations (pass one as 'operation', its inputs as 'inputs'):\n${lines.join("\n")}`,
      inputSchema: {
        type: "object",
        properties: { operation: { type: "string", enum: [...byOp.keys()] }, inputs: { type: "object" } },
        required: ["operation"],
      },
      outputSchema: RUN_OUTPUT as Tool["outputSchema"],
      annotations: annotations(
        name,
        members.map((wf) => wf.access),
      ),
    },
    target: (args) => {
      const wf = byOp.get(String(args.operation));
      if (!wf)
        throw new ValidationError(`Tool '${name}': unknown operation '${String(args.operation)}'`, {
          field: "operation",
          fix: `One of: ${[...byOp.keys()].join(", ")}`,
        });
      return { workflow: wf.name, inputs: args.inputs ?? {} };
    },
  };
}

function generic(workflows: readonly NamedWorkflow[], allowWrites: boolean): PlannedTool[] {
  const names = workflows.map((wf) => wf.name);
  return [
    {
      tool: {
        name: "list_workflows",
        description: "Lists the workflows this server runs, with their access (read, write, delete).",
        inputSchema: { type: "object", properties: {} },
        annotations: annotations("list_workflows", ["read"]),
      },
      target: () => ({ workflow: "", inputs: undefined }),
    },
    {
      tool: {
        name: "describe_workflow",
        description: "The input and output JSON Schemas of one workflow.",
        inputSchema: { type: "object", properties: { name: { type: "string", enum: names } }, required: ["name"] },
        annotations: annotations("describe_workflow", ["read"]),
      },
      target: () => ({ workflow: "", inputs: undefined }),
    },
    {
      tool: {
        name: "execute_workflow",
        description: "Runs one workflow (see list_workflows) with its inputs.",
        inputSchema: { type: "object", properties: { name: { type: "string", enum: names }, inputs: { type: "object" } }, required: ["name"] },
        outputSchema: RUN_OUTPUT as Tool["outputSchema"],
        annotations: annotations("execute_workflow", allowWrites ? ["write"] : ["read"]),
      },
      target: (args) => ({ workflow: String(args.name), inputs: args.inputs ?? {} }),
    },
  ];
}

/** The tools for a set of visible workflows. */
export function planTools(workflows: readonly NamedWorkflow[], options: McpOptions = {}): PlannedTool[] {
  const max = options.maxTools ?? 40;
  if (workflows.length <= max) return workflows.map(perWorkflow);
  const groups = new Map<string, NamedWorkflow[]>();
  for (const wf of workflows) {
    const key = wf.model ? `${wf.model.qualifiedName}_${wf.access === "read" ? "read" : "write"}` : wf.name;
    groups.set(key, [...(groups.get(key) ?? []), wf]);
  }
  if (groups.size <= max)
    return [...groups].map(([name, members]) => (members.length === 1 && !members[0]!.model ? perWorkflow(members[0]!) : grouped(name, members)));
  return generic(workflows, options.allowWrites ?? false);
}

function failure(gateway: Gateway, error: unknown, credentials: Credentials, workflow: string | undefined): CallToolResult {
  return { isError: true, content: [{ type: "text", text: toJson(gateway.problem(error, { surface: credentials.surface, workflow })) }] };
}

/** An MCP server for one caller (stdio: the process; Streamable HTTP: one request). */
export function createMcpServer(gateway: Gateway, tools: readonly PlannedTool[], credentials: Credentials, options: McpOptions = {}): Server {
  const server = new Server({ name: options.name ?? "dataflow-nexus", version: options.version ?? "0.1.0" }, { capabilities: { tools: {} } });
  const byName = new Map(tools.map((t) => [t.tool.name, t] as const));
  const readOnly = !(options.allowWrites ?? false);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.map((t) => t.tool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    let workflow: string | undefined;
    try {
      if (name === "list_workflows" && byName.has(name)) {
        const list = gateway.visible(readOnly).map((wf) => ({ name: wf.name, access: wf.access, description: wf.description }));
        return { content: [{ type: "text", text: toJson(list) }] };
      }
      if (name === "describe_workflow" && byName.has(name)) {
        const wf = gateway.workflows.get(String(args.name));
        return { content: [{ type: "text", text: toJson({ name: wf.name, inputSchema: wf.inputSchema, outputSchema: wf.outputSchema }) }] };
      }
      const planned = byName.get(name);
      // A workflow without a tool (e.g. a write on a read-only server) goes to the gateway, which refuses it as every surface does.
      const target = planned ? planned.target(args) : gateway.workflows.has(name) ? { workflow: name, inputs: args } : undefined;
      if (!target) throw new NotFoundError(`No tool '${name}'`, { field: "name" });
      workflow = target.workflow;
      const out = await gateway.execute(target.workflow, target.inputs, credentials, { readOnly, signal: extra.signal });
      const structured = toJsonValue<Record<string, unknown>>(out);
      return { content: [{ type: "text", text: toJson(out) }], structuredContent: structured };
    } catch (error) {
      return failure(gateway, error, credentials, workflow);
    }
  });
  return server;
}
