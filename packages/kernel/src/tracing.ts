import { tracingChannel } from "node:diagnostics_channel";

export interface NodeTraceContext {
  runId: string;
  nodeId: string;
  nodeType: string;
}

export interface QueryTraceContext {
  /** `postgresql`, `mysql`, `sqlite`, ... (OpenTelemetry `db.system.name`). */
  system: string;
  operation: string;
  model?: string;
  text: string;
}

/**
 * Tracing channels. Subscribe with `diagnostics_channel.tracingChannel("dataflow:node").subscribe({...})`.
 * Nothing is allocated for tracing while no one subscribes.
 */
export const channels = {
  node: tracingChannel<unknown, NodeTraceContext>("dataflow:node"),
  query: tracingChannel<unknown, QueryTraceContext>("dataflow:query"),
  run: tracingChannel<unknown, { runId: string }>("dataflow:run"),
};
