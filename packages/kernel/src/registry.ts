import { WorkflowValidationError } from "./errors.js";
import { quoteName } from "./names.js";
import type { NodeDefinition } from "./node.js";
import type { Plugin, PluginContext } from "./plugin.js";
import { closest } from "./suggest.js";

/** Who provides a node: its plugins contribute run hooks to runs that use it. */
export interface NodeOwner {
  readonly plugins: readonly Plugin[];
  /** What the owner's plugins' hooks receive. */
  readonly context: PluginContext;
  readonly registry: NodeRegistry;
  readonly namespace: string | undefined;
  /** True once the owner is closed: its nodes must not run (a runtime held across the close included). */
  readonly isClosed?: boolean;
}

export interface ResolvedNode {
  readonly def: NodeDefinition;
  readonly owner: NodeOwner | undefined;
}

/** Node types of one owner (a DataFlow instance, or the process-wide custom nodes). */
export class NodeRegistry {
  private readonly byType = new Map<string, NodeDefinition>();

  register(def: NodeDefinition): void {
    for (const name of [def.type, ...(def.aliases ?? [])]) {
      const existing = this.byType.get(name);
      if (existing && existing !== def) {
        throw new WorkflowValidationError(`Node type ${quoteName(name)} is already registered`, {
          fix: "Give the node another type name, or give the DataFlow instance a namespace",
        });
      }
      this.byType.set(name, def);
    }
  }

  get(type: string): NodeDefinition | undefined {
    return this.byType.get(type);
  }

  types(): IterableIterator<string> {
    return this.byType.keys();
  }
}

// Shared by every copy of the kernel in the process, so duplicates still see each other's instances.
const shared = globalThis as { [key: symbol]: unknown };
const liveOwners = (shared[Symbol.for("@dataflow/kernel:live-owners")] ??= new Set<NodeOwner>()) as Set<NodeOwner>;
const customNodes = (shared[Symbol.for("@dataflow/kernel:custom-nodes")] ??= new NodeRegistry()) as NodeRegistry;

export function trackOwner(owner: NodeOwner): void {
  liveOwners.add(owner);
}

export function untrackOwner(owner: NodeOwner): void {
  liveOwners.delete(owner);
}

export function liveNodeOwners(): ReadonlySet<NodeOwner> {
  return liveOwners;
}

/** Registers a custom node process-wide, so any `LocalRuntime` can resolve its type. */
export function registerNode(def: NodeDefinition): void {
  customNodes.register(def);
}

function allKnownTypes(scope: NodeOwner | undefined): string[] {
  const owners = scope ? [scope] : [...liveOwners];
  return [...owners.flatMap((o) => [...o.registry.types()]), ...customNodes.types()];
}

/**
 * Resolves a node type: in `scope` only when given, else across every live DataFlow instance,
 * then the process-wide custom nodes. Ambiguity and misses are errors with suggestions.
 */
export function resolveNode(type: string, scope?: NodeOwner): ResolvedNode {
  if (scope) {
    const def = scope.registry.get(type);
    if (def) return { def, owner: scope };
  } else {
    let found: ResolvedNode | undefined;
    for (const owner of liveOwners) {
      const def = owner.registry.get(type);
      if (!def) continue;
      if (found) {
        throw new WorkflowValidationError(`Node type ${quoteName(type)} exists in more than one DataFlow instance`, {
          fix: "Give the instances a namespace, or use new LocalRuntime({ dataflow: db })",
        });
      }
      found = { def, owner };
    }
    if (found) return found;
  }
  const custom = customNodes.get(type);
  if (custom) return { def: custom, owner: undefined };
  const hints = closest(type, allKnownTypes(scope));
  throw new WorkflowValidationError(
    `Unknown node type ${quoteName(type)}.${hints.length ? ` Did you mean ${hints.map((h) => `'${h}'`).join(" or ")}?` : " Declare the model or register the node first."}`,
  );
}
