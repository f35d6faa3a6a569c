// @dataflow/kernel: what an application uses. Plugin and adapter authors: "@dataflow/kernel/plugin".
export { DataFlow } from "./dataflow.js";
export type { DataFlowOptions, DataFlowTransaction, RegisterSchemaOptions } from "./dataflow.js";
export type {
  DiscoveredColumn,
  DiscoveredDefault,
  DiscoveredEnum,
  DiscoveredForeignKey,
  DiscoveredIndex,
  DiscoveredSchema,
  DiscoveredTable,
} from "./discovered.js";
export { renderModelsModule } from "./render-models.js";
export type { RenderModelsOptions } from "./render-models.js";
export type { StreamOptions, StreamParams, StreamRow } from "./stream.js";
export { field } from "./field.js";
export type { Field, JsonValue, ReferenceOptions, ReferenceTarget, ReferentialAction } from "./field.js";
export type { Input, Model, Row } from "./model.js";
export { WorkflowBuilder } from "./workflow.js";
export type { Workflow, WorkflowBuilderOptions } from "./workflow.js";
export { LocalRuntime } from "./runtime.js";
export type { ExecuteResult, LocalRuntimeOptions } from "./runtime.js";
export { defineNode, nodeRef } from "./node.js";
export { registerNode } from "./registry.js";
export type { ExecuteOptions, NodeContext, NodeDefinition } from "./node.js";
export type { Filter, NodeRef, OperationOutputs, OperationParams, OrderBy, SelectableRows } from "./typed.js";
export type { AdapterStats, HealthStatus, IsolationLevel, TransactionOptions } from "./plugin.js";
export type { NamedWorkflow, RegisterWorkflowOptions, WorkflowAccess, WorkflowInput, WorkflowInputTarget, Workflows } from "./workflows.js";
export type { JsonSchema } from "./json-schema.js";
export { SqlIdentifier } from "./plugin.js";
export type { SqlTag } from "./raw-sql.js";
export { channels } from "./tracing.js";
export type { NodeTraceContext, QueryTraceContext, RunTraceContext } from "./tracing.js";
export type { ProgressEvent, ProgressListener } from "./progress.js";
export type { Logger } from "./logger.js";
export * from "./errors.js";
