// The conformance suite's factory for its bounded-work worker thread. Plain JavaScript, because Node
// imports it as is in a worker: it imports the adapter's build (dist/), as a published package would.
import { DataFlow } from "@dataflow/kernel";
import sqljs from "../dist/index.js";

export function createDataFlow(options, data) {
  return new DataFlow({ url: data.url, plugins: [sqljs], ...options });
}
