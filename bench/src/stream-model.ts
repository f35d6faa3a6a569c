import type { DataFlow } from "@dataflow/kernel";
import { field } from "@dataflow/kernel";

/** The table of the streaming-memory workload. */
export function streamModel(db: DataFlow) {
  return db.model("StreamRow", { name: field.string(), qty: field.int(), price: field.float(), active: field.boolean() }, { table: "stream_rows" });
}
