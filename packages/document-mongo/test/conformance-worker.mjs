// The conformance suite's factory for its bounded-work worker thread (plain JavaScript: Node imports
// it as is, and it imports this package's build).
import { DataFlow } from "@dataflow/kernel";
import mongodb from "@dataflow/document-mongo";

export function createDataFlow(options, data) {
  return new DataFlow({ url: data.url, plugins: [mongodb], ...options });
}
