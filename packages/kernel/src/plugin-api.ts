// @dataflow/kernel/plugin: the plugin and adapter contract (definePlugin, BaseAdapter, capabilities,
// the operation and filter tree types, cursor helpers, validation helpers, tracing channels, errors).
// Applications import from "@dataflow/kernel".
export { EMBEDDED_DEFAULT_URL } from "./dataflow.js";
export { Field, REFERENTIAL_ACTIONS } from "./field.js";
export type {
  AnyField,
  FieldConfig,
  FieldDefault,
  FieldInput,
  FieldKind,
  FieldReference,
  FieldValues,
  FieldsShape,
  JsonValue,
  ReferenceOptions,
  ReferenceTarget,
  ReferentialAction,
} from "./field.js";
export type {
  DiscoveredColumn,
  DiscoveredDefault,
  DiscoveredEnum,
  DiscoveredForeignKey,
  DiscoveredIndex,
  DiscoveredSchema,
  DiscoveredTable,
  SchemaDiscovery,
} from "./discovered.js";
export { renderModelsModule } from "./render-models.js";
export type { RenderModelsOptions } from "./render-models.js";
export { modelNameFor, planModels } from "./schema-plan.js";
export type { PlannedField, PlannedModel } from "./schema-plan.js";
export { Model, MODEL_OPERATIONS, DELETED_AT } from "./model.js";
export type { IndexSpec, Input, ModelField, ModelOperationName, ModelOptions, ResolvedIndex, Row } from "./model.js";
export type { Workflow, WorkflowConnection, WorkflowNode } from "./workflow.js";
export { neverAborts } from "./runtime.js";
export { Workflows } from "./workflows.js";
export type { NamedWorkflow, RegisterWorkflowOptions, WorkflowAccess, WorkflowInput, WorkflowInputTarget, WorkflowOwner } from "./workflows.js";
export { createDataSchema, fieldSchema, filterSchema, operationOutputSchema, operationParamsSchema, rowSchema, updateFieldsSchema } from "./json-schema.js";
export type { JsonSchema } from "./json-schema.js";
export { DEFAULT_STREAM_BATCH } from "./stream.js";
export type { StreamOptions, StreamRequest } from "./stream.js";
export { defineNode, nodeRef } from "./node.js";
export type { ExecuteOptions, NodeContext, NodeDefinition, RunContext } from "./node.js";
export { registerNode, resolveNode, NodeRegistry } from "./registry.js";
export type { NodeOwner, ResolvedNode } from "./registry.js";
export { checkTransactionOptions, definePlugin, ISOLATION_LEVELS, KERNEL_CONTRACT_VERSION, SqlIdentifier } from "./plugin.js";
export type {
  AdapterStats,
  RawSqlQuery,
  AdapterCapabilities,
  AdapterFactory,
  AdapterOptions,
  BaseAdapter,
  DataFlowHandle,
  HealthStatus,
  Middleware,
  Plugin,
  RawSqlMiddleware,
  IsolationLevel,
  PluginContext,
  PoolOptions,
  RowScope,
  RunHooks,
  RunTransactionHandle,
  RunTransactionSupport,
  TransactionOptions,
} from "./plugin.js";
export { FIRST_PARTY_SCHEMES, schemeOf } from "./scheme.js";
export {
  andFilters,
  filterShape,
  FILTER_OPERATORS,
  isEmptyFilter,
  isPlainObject,
  parseFilter,
  parseOrderBy,
  simplifyFilter,
  MAX_FILTER_DEPTH,
  MAX_FILTER_NODES,
  MAX_IN_VALUES,
} from "./filter.js";
export type { ComparisonOp, FilterNode, OrderTerm, ParsedFilter } from "./filter.js";
export {
  ambiguousMatch,
  encodeCursor,
  isUniqueTarget,
  normalizeCreateData,
  normalizeOperation,
  normalizeUpdateFields,
  OPERATION_PARAMS,
  MAX_BULK_ROWS,
} from "./operations.js";
export type {
  BulkCreateOperation,
  BulkDeleteOperation,
  BulkUpdateOperation,
  BulkUpsertOperation,
  ConflictMode,
  CountOperation,
  CreateOperation,
  DeleteOperation,
  ListOperation,
  ModelOperation,
  OperationResults,
  ReadOperation,
  RowData,
  UpdateOperation,
  UpsertOperation,
} from "./operations.js";
export { bulkRowCount, bulkRowGroups, rowObject } from "./bulk-rows.js";
export type { BulkRowGroup } from "./bulk-rows.js";
export { checkParamNames, checkParams } from "./params.js";
export type { ParamSpec, ParamType, ParamsSchema } from "./params.js";
export { MAX_DATETIME, MIN_DATETIME, assertPortableText, canonicalDecimal, validateValue } from "./values.js";
export { assertIdentifier, MAX_IDENTIFIER_LENGTH, pluralize, tableNameFor, toSnakeCase } from "./identifiers.js";
export { closest, didYouMean } from "./suggest.js";
export { quoteName, shortName } from "./names.js";
export { maskCredentials, maskUrl } from "./mask.js";
export { channels } from "./tracing.js";
export type { NodeTraceContext, QueryTraceContext, RunTraceContext } from "./tracing.js";
export { PROGRESS_INTERVAL_MS, ProgressReporter, progressFor } from "./progress.js";
export type { ProgressEvent, ProgressListener } from "./progress.js";
export { describeError } from "./runtime.js";
export { silentLogger } from "./logger.js";
export type { Logger } from "./logger.js";
export * from "./errors.js";
export type {
  CreateData,
  Filter,
  FieldOperators,
  InputValue,
  ModelNodes,
  NodeRef,
  OperationOutputs,
  OperationParams,
  OperationRequired,
  OrderBy,
  SelectableRows,
  UpdateData,
} from "./typed.js";
export type { SchemaNodeDefinition } from "./node.js";
