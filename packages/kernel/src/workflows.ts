// Named workflows with typed inputs: what `db.getWorkflows()` hands to servers (REST, MCP, CLI).
import { NotFoundError, ValidationError, WorkflowValidationError } from "./errors.js";
import { isPlainObject } from "./filter.js";
import type { JsonSchema } from "./json-schema.js";
import { customParamsSchema, operationDescription, operationOutputSchema, operationParamsSchema, schemaAt } from "./json-schema.js";
import type { Model, ModelOperationName } from "./model.js";
import { MODEL_OPERATIONS } from "./model.js";
import { quoteName } from "./names.js";
import type { ExecuteOptions, NodeDefinition } from "./node.js";
import { checkParamNames } from "./params.js";
import { getPath, parsePath, setPath } from "./paths.js";
import type { HealthStatus } from "./plugin.js";
import type { NodeOwner } from "./registry.js";
import { resolveNode } from "./registry.js";
import type { ExecuteResult } from "./runtime.js";
import { LocalRuntime } from "./runtime.js";
import { didYouMean } from "./suggest.js";
import type { Workflow, WorkflowNode } from "./workflow.js";
import { WorkflowBuilder } from "./workflow.js";

/** What running a workflow may do: read only, write, or delete rows. */
export type WorkflowAccess = "read" | "write" | "delete";

export interface WorkflowInputTarget {
  readonly node: string;
  /** The param path inside the node's params, e.g. `["data", "email"]`. */
  readonly path: readonly string[];
}

export interface WorkflowInput {
  readonly name: string;
  /** The node params it sets; several targets get the same value. */
  readonly targets: readonly WorkflowInputTarget[];
  readonly schema: JsonSchema;
  readonly required: boolean;
}

/** One named workflow with its inputs and JSON Schemas. */
export interface NamedWorkflow {
  readonly name: string;
  readonly description: string;
  readonly access: WorkflowAccess;
  /** Set on the generated workflows (`User_Create`): the model and the operation. */
  readonly model: Model | undefined;
  readonly operation: ModelOperationName | undefined;
  readonly workflow: Workflow;
  readonly inputs: readonly WorkflowInput[];
  /** `{ type: "object", properties: { <input>: ... } }` */
  readonly inputSchema: JsonSchema;
  /** The schema of `results`: one property per node id. */
  readonly outputSchema: JsonSchema;
}

export interface RegisterWorkflowOptions {
  /** Input name -> the node param path(s) it sets, `"create.data.email"` (node id, then the param path). */
  readonly inputs?: Readonly<Record<string, string | readonly string[]>>;
  readonly description?: string;
}

/** What the workflows need from their DataFlow (kept structural so this module does not import it). */
export interface WorkflowOwner extends NodeOwner {
  readonly models: ReadonlyMap<string, Model>;
  initialize(): Promise<void>;
  healthCheck(): Promise<HealthStatus>;
  close(): Promise<void>;
}

const WORKFLOW_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const READS: ReadonlySet<ModelOperationName> = new Set(["Read", "List", "Count"]);
const DELETES: ReadonlySet<ModelOperationName> = new Set(["Delete", "BulkDelete"]);

function accessOf(op: ModelOperationName | undefined): WorkflowAccess {
  if (op === undefined) return "write";
  return READS.has(op) ? "read" : DELETES.has(op) ? "delete" : "write";
}

function widest(accesses: readonly WorkflowAccess[]): WorkflowAccess {
  return accesses.includes("delete") ? "delete" : accesses.includes("write") ? "write" : "read";
}

/** `create` for Create, `bulkCreate` for BulkCreate: the node id of a generated workflow. */
function nodeIdOf(op: ModelOperationName): string {
  return op[0]!.toLowerCase() + op.slice(1);
}

function inputObjectSchema(inputs: readonly WorkflowInput[]): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const input of inputs) properties[input.name] = input.schema;
  return { type: "object", properties, required: inputs.filter((i) => i.required).map((i) => i.name), additionalProperties: false };
}

/** Which model operation a node definition is, by identity with the owner's generated nodes. */
function operationIndex(owner: WorkflowOwner): Map<NodeDefinition, { model: Model; op: ModelOperationName }> {
  const index = new Map<NodeDefinition, { model: Model; op: ModelOperationName }>();
  for (const model of owner.models.values()) {
    for (const op of MODEL_OPERATIONS) {
      const def = owner.registry.get(model.nodeType(op));
      if (def) index.set(def, { model, op });
    }
  }
  return index;
}

/** The generated workflow of every model operation, `User_Create` ... `User_BulkUpsert`. */
export function modelWorkflows(owner: WorkflowOwner): NamedWorkflow[] {
  return [...owner.models.values()].flatMap((model) =>
    MODEL_OPERATIONS.filter((op) => owner.registry.get(model.nodeType(op)) !== undefined).map((op) => modelWorkflow(owner, model, op)),
  );
}

function modelWorkflow(owner: WorkflowOwner, model: Model, op: ModelOperationName): NamedWorkflow {
  const type = model.nodeType(op);
  const id = nodeIdOf(op);
  const node: WorkflowNode = { id, type, params: {}, definition: undefined };
  // One node with no static params: its required params come from the inputs and are checked when it runs.
  const workflow: Workflow = Object.freeze({
    nodes: [node],
    connections: [],
    waitsFor: [[]],
    inputs: [[]],
    index: new Map([[id, 0]]),
    resolvedWith: owner,
    resolved: [resolveNode(type, owner)],
  });
  const params = operationParamsSchema(model, op);
  const properties = params.properties as Record<string, JsonSchema>;
  const required = params.required as string[];
  const inputs = Object.keys(properties).map((name) => ({
    name,
    targets: [{ node: id, path: [name] }],
    schema: properties[name]!,
    required: required.includes(name),
  }));
  return Object.freeze({
    name: type,
    description: operationDescription(model, op),
    access: accessOf(op),
    model,
    operation: op,
    workflow,
    inputs,
    inputSchema: { ...inputObjectSchema(inputs), ...(params.description ? { description: params.description } : {}) },
    outputSchema: { type: "object", properties: { [id]: operationOutputSchema(model, op) }, required: [id], additionalProperties: false },
  });
}

/** `"nodeId:param"` of every param an input sets: a builder given to registerWorkflow may leave them out. */
function suppliedParams(name: string, declared: Readonly<Record<string, unknown>>): Set<string> {
  const out = new Set<string>();
  for (const [input, raw] of Object.entries(declared)) {
    for (const path of typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : []) {
      if (typeof path !== "string") continue;
      const [node, param] = parsePath(path, `Workflow '${name}': input '${input}'`);
      if (param !== undefined) out.add(`${node}:${param}`);
    }
  }
  return out;
}

/** Checks a registration against the workflow and the owner's models; returns the named workflow. */
export function describeRegisteredWorkflow(
  owner: WorkflowOwner,
  name: string,
  given: Workflow | WorkflowBuilder<any, any, any>,
  options: RegisterWorkflowOptions = {},
): NamedWorkflow {
  if (typeof name !== "string" || !WORKFLOW_NAME.test(name)) {
    throw new ValidationError(`Workflow name ${typeof name === "string" ? quoteName(name) : `of type ${typeof name}`} is not valid`, {
      field: "name",
      fix: "Use letters, digits, '_', '.' and '-', starting with a letter (at most 128 characters)",
    });
  }
  if (options === null || typeof options !== "object") throw new ValidationError("registerWorkflow() options must be an object", { field: "options" });
  const declared = options.inputs ?? {};
  if (!isPlainObject(declared))
    throw new ValidationError("registerWorkflow(): inputs must be an object of input name -> node param path(s)", { field: "inputs" });
  const workflow = given instanceof WorkflowBuilder ? given.buildWith(suppliedParams(name, declared)) : given;
  if (!workflow || !Array.isArray(workflow.nodes) || !workflow.index) {
    throw new WorkflowValidationError("registerWorkflow() takes a WorkflowBuilder or a workflow from its build()", { field: "workflow" });
  }
  const ops = operationIndex(owner);
  const nodeInfo = workflow.nodes.map((node, i) => {
    const def = node.definition ?? workflow.resolved[i]?.def ?? resolveNode(node.type, owner).def;
    const found = ops.get(def);
    const params = found ? operationParamsSchema(found.model, found.op) : customParamsSchema(def.params, def.schema !== undefined);
    const output = found ? operationOutputSchema(found.model, found.op) : {};
    return { node, def, found, params, output };
  });

  const inputs: WorkflowInput[] = [];
  for (const inputName of Object.keys(declared)) {
    if (!INPUT_NAME.test(inputName)) {
      throw new ValidationError(`Workflow '${name}': input name ${quoteName(inputName)} is not valid`, {
        field: `inputs.${inputName}`,
        fix: "Use letters, digits and '_', starting with a letter or '_'",
      });
    }
    const raw = declared[inputName];
    const paths = typeof raw === "string" ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (!paths || paths.length === 0 || paths.some((p) => typeof p !== "string")) {
      throw new ValidationError(
        `Workflow '${name}': input '${inputName}' must map to a node param path such as "create.data.email", or a non-empty array of them`,
        {
          field: `inputs.${inputName}`,
        },
      );
    }
    const targets: WorkflowInputTarget[] = [];
    let schema: JsonSchema | undefined;
    let required = false;
    for (const path of paths as string[]) {
      const [nodeId, ...paramPath] = parsePath(path, `Workflow '${name}': input '${inputName}'`);
      const at = workflow.index.get(nodeId!);
      if (at === undefined) {
        throw new ValidationError(
          `Workflow '${name}': input '${inputName}' targets node ${quoteName(nodeId!)}, which the workflow does not have. ${didYouMean(nodeId!, workflow.index.keys())}`,
          {
            field: `inputs.${inputName}`,
          },
        );
      }
      if (paramPath.length === 0) {
        throw new ValidationError(`Workflow '${name}': input '${inputName}' must name a param of node '${nodeId}' ("${nodeId}.data.email")`, {
          field: `inputs.${inputName}`,
        });
      }
      const info = nodeInfo[at]!;
      checkParamNames(info.def.params, [paramPath[0]!], `Workflow '${name}': input '${inputName}' -> node '${nodeId}' (${info.node.type})`);
      const found = schemaAt(info.params, paramPath);
      schema ??= found.schema;
      if (found.required && getPath(info.node.params, paramPath) === undefined) required = true;
      targets.push({ node: nodeId!, path: paramPath });
    }
    inputs.push({ name: inputName, targets, schema: schema!, required });
  }
  const outputs: Record<string, JsonSchema> = {};
  for (const info of nodeInfo) outputs[info.node.id] = info.output;
  return Object.freeze({
    name,
    description: options.description ?? `Workflow '${name}' (${workflow.nodes.length} node${workflow.nodes.length === 1 ? "" : "s"})`,
    access: widest(nodeInfo.map((info) => accessOf(info.found?.op))),
    model: undefined,
    operation: undefined,
    workflow,
    inputs,
    inputSchema: inputObjectSchema(inputs),
    outputSchema: { type: "object", properties: outputs, additionalProperties: false },
  });
}

/** Each touched node's params with the inputs set at their paths (over the node's static params). */
export function inputsToParams(wf: NamedWorkflow, given: unknown): Map<string, Record<string, unknown>> {
  if (given === undefined || given === null) given = {};
  if (!isPlainObject(given)) throw new ValidationError(`Workflow '${wf.name}': inputs must be a JSON object`, { field: "inputs" });
  const byName = new Map(wf.inputs.map((i) => [i.name, i] as const));
  const merged = new Map<string, Record<string, unknown>>();
  for (const key of Object.keys(given)) {
    const input = byName.get(key);
    if (!input) {
      throw new ValidationError(
        `Workflow '${wf.name}': unknown input ${quoteName(key)}. ${didYouMean(key, byName.keys()) || `Inputs: ${[...byName.keys()].join(", ") || "(none)"}.`}`,
        {
          field: key,
        },
      );
    }
    const value = given[key];
    if (value === undefined) throw new ValidationError(`Workflow '${wf.name}': input '${key}' is undefined`, { field: key });
    for (const target of input.targets) {
      const node = wf.workflow.nodes[wf.workflow.index.get(target.node)!]!;
      merged.set(target.node, setPath(merged.get(target.node) ?? node.params, target.path, value));
    }
  }
  for (const input of wf.inputs) {
    if (input.required && !Object.hasOwn(given, input.name)) {
      throw new ValidationError(`Workflow '${wf.name}': missing required input '${input.name}'`, { field: input.name });
    }
  }
  return merged;
}

/**
 * The run's workflow: the inputs become the touched nodes' static params, so connections still set
 * their paths inside them (a run's `parameters` would replace a whole param, connected values included).
 */
function withParams(workflow: Workflow, params: ReadonlyMap<string, Record<string, unknown>>): Workflow {
  if (params.size === 0) return workflow;
  return Object.freeze({ ...workflow, nodes: workflow.nodes.map((n) => (params.has(n.id) ? { ...n, params: params.get(n.id)! } : n)) });
}

/** The named set `db.getWorkflows()` returns: the generated workflow of every model operation, then the registered ones. */
export class Workflows implements Iterable<NamedWorkflow> {
  private readonly byName: ReadonlyMap<string, NamedWorkflow>;
  private runtime: LocalRuntime | undefined;

  constructor(
    readonly dataflow: WorkflowOwner,
    workflows: Iterable<NamedWorkflow>,
  ) {
    this.byName = new Map([...workflows].map((wf) => [wf.name, wf] as const));
  }

  get size(): number {
    return this.byName.size;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get models(): Model[] {
    return [...this.dataflow.models.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The workflow called `name`; a `NotFoundError` with a "did you mean" hint otherwise. */
  get(name: string): NamedWorkflow {
    const wf = typeof name === "string" ? this.byName.get(name) : undefined;
    if (!wf) {
      throw new NotFoundError(
        `No workflow ${typeof name === "string" ? quoteName(name) : `of type ${typeof name}`}. ${didYouMean(String(name), this.byName.keys())}`.trim(),
        {
          field: "workflow",
        },
      );
    }
    return wf;
  }

  /** A new set with only the workflows `keep` accepts. */
  filter(keep: (wf: NamedWorkflow) => boolean): Workflows {
    return new Workflows(this.dataflow, [...this].filter(keep));
  }

  [Symbol.iterator](): Iterator<NamedWorkflow> {
    return this.byName.values();
  }

  /** Runs the workflow called `name` with `inputs` (validated against its inputs). */
  execute(name: string, inputs: unknown, options: Omit<ExecuteOptions, "parameters"> = {}): Promise<ExecuteResult> {
    try {
      const wf = this.get(name);
      const params = inputsToParams(wf, inputs);
      this.runtime ??= new LocalRuntime({ dataflow: this.dataflow });
      // A generated workflow is one node without connections: its inputs are whole params, passed as the run's parameters (the cached plan stays).
      if (wf.operation !== undefined) return this.runtime.execute(wf.workflow, { ...options, parameters: Object.fromEntries(params) });
      return this.runtime.execute(withParams(wf.workflow, params), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
