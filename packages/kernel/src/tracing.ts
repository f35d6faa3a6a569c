import { channel, tracingChannel } from "node:diagnostics_channel";

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
  /** The statement with placeholders; bound values are never part of it. */
  text: string;
  /** How many values are bound. */
  paramCount?: number;
}

export interface RunTraceContext {
  runId: string;
  /** The workflow's name when it has one. */
  workflow: string | undefined;
  nodeCount: number;
}

/**
 * Tracing channels. Subscribe with `diagnostics_channel.tracingChannel("dataflow:node").subscribe({...})`.
 * Nothing is allocated for tracing while no one subscribes.
 */
export const channels = {
  node: tracingChannel<unknown, NodeTraceContext>("dataflow:node"),
  query: tracingChannel<unknown, QueryTraceContext>("dataflow:query"),
  run: tracingChannel<unknown, RunTraceContext>("dataflow:run"),
  /** Progress of long work (`ProgressEvent`), at a bounded rate; a plain channel, not a tracing one. */
  progress: channel("dataflow:progress"),
};
