import { DataFlowError } from "@dataflow/kernel/plugin";

/** A vector feature the database under the adapter does not have (an index kind, full-text search, ...). */
export class VectorCapabilityError extends DataFlowError {
  override readonly code: string = "VECTOR_CAPABILITY";
}
