export type { TextQuery, VectorBackend, VectorQuery } from "./backend.js";
export { VectorCapabilityError } from "./errors.js";
export { MAX_K, VECTOR_NODE_PARAMS, vectorModelNodes } from "./nodes.js";
export { reciprocalRankFusion } from "./rrf.js";
export type { FusionWeights } from "./rrf.js";
export {
  DISTANCES,
  INDEX_METHODS,
  checkDistance,
  checkPluginOptions,
  declaredFullText,
  declaredIndexes,
  resolveIndexSpec,
  textField,
  vectorField,
} from "./spec.js";
export type { Distance, IndexMethod, ResolvedVectorIndex, VectorIndexSpec, VectorPluginOptions } from "./spec.js";
export { DISTANCE_COLUMN, SCORE_COLUMN, decodeScoredRows } from "./rows.js";
export { vectorNodes } from "./refs.js";
export type {
  HybridScores,
  HybridSearchOutput,
  HybridSearchParams,
  SearchRow,
  SearchScores,
  VectorFieldName,
  VectorNodeRefs,
  VectorSearchOutput,
  VectorSearchParams,
} from "./refs.js";
