import { definePlugin } from "@dataflow/kernel/plugin";
import { MongoAdapter } from "./adapter.js";
import type { MongoAdapterOptions } from "./config.js";
import { mongoModelNodes } from "./models/nodes.js";
import { documentNodes } from "./nodes.js";

export { MongoAdapter } from "./adapter.js";
export { capabilitiesOf, EMULATOR_LIMITS, isEmulator, missingReason, UNPROBED_CAPABILITIES } from "./capabilities.js";
export type { MongoCapabilities, ServerFacts } from "./capabilities.js";
export { DEFAULT_SERVER_SELECTION_TIMEOUT_MS, resolveSettings } from "./config.js";
export type { MongoAdapterOptions, MongoSettings } from "./config.js";
export { mapMongoError } from "./errors.js";
export { DocumentLayout } from "./models/layout.js";
export { indexSpecs, jsonSchemaOf, MAX_DECIMAL_PRECISION } from "./models/schema.js";
export { SEQUENCES } from "./models/sequence.js";
export type { ErrorContext } from "./errors.js";
export { checkCollectionName, checkDatabaseName, MAX_COLLECTION_NAME_LENGTH } from "./names.js";
export { DOCUMENT_NODE_PARAMS, documentNodes, MAX_FIND_LIMIT } from "./nodes.js";
export type { DocumentResults } from "./nodes.js";
export {
  checkDocument,
  checkMqlObject,
  checkPipeline,
  checkUpdate,
  MAX_MQL_DEPTH,
  MAX_MQL_NODES,
  MAX_PIPELINE_STAGES,
  refuseOperators,
  SERVER_JS_OPERATORS,
  WRITE_STAGES,
} from "./safety.js";
export type { MqlCheckOptions } from "./safety.js";

/** The MongoDB plugin: `mongodb:` and `mongodb+srv:` URLs, the 8 document nodes and the model nodes. */
const mongodb = definePlugin({
  name: "@dataflow/document-mongo",
  kernel: "^1",
  adapters: [{ schemes: ["mongodb", "mongodb+srv"], create: (url, options) => new MongoAdapter(url, options as MongoAdapterOptions) }],
  modelNodes: (model, ctx) => (ctx.adapter instanceof MongoAdapter ? mongoModelNodes(model, ctx, ctx.adapter) : []),
  // The row scopes of the DataFlow's plugins (e.g. @dataflow/tenancy's tenant) apply to the document nodes.
  nodes: (ctx) =>
    ctx.adapter instanceof MongoAdapter
      ? documentNodes(
          ctx.adapter,
          ctx.dataflow.plugins.flatMap((p) => (p.rowScope ? [p.rowScope] : [])),
        )
      : [],
});

export default mongodb;
