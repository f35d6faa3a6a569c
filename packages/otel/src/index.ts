import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Span, Tracer, TracerProvider } from "@opentelemetry/api";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import type { NodeTraceContext, QueryTraceContext, RunTraceContext } from "@dataflow/kernel/plugin";
import { channels, describeError } from "@dataflow/kernel/plugin";
import { collectionOf } from "./collection.js";

export { collectionOf } from "./collection.js";

export interface DataFlowInstrumentationOptions {
  /** Where spans go (default: the global tracer provider, `trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Record `db.query.text` (the statement with placeholders; values are never in it). Default true. */
  readonly queryText?: boolean;
}

export interface DataFlowInstrumentation {
  /** Stops producing spans and unsubscribes from every channel. */
  disable(): void;
}

const SCOPE = "@dataflow/otel";

interface Traced {
  error?: unknown;
}

/** Spans by the trace context object the channel hands to every event of one call. */
type Open = WeakMap<object, Span>;

function fail(span: Span, error: unknown): void {
  const described = describeError(error);
  span.recordException({ name: described.class, message: described.message });
  span.setAttribute("error.type", described.class);
  span.setStatus({ code: SpanStatusCode.ERROR, message: described.message });
}

/**
 * Subscribes to DataFlow's tracing channels (`dataflow:run`, `dataflow:node`, `dataflow:query`) and
 * turns them into spans: a run span, a span per node under it, and a client span per statement
 * under its node, following the OpenTelemetry database conventions. Nothing in DataFlow changes
 * when this is not called: the channels have no subscriber and publish nothing.
 */
export function instrumentDataFlow(options: DataFlowInstrumentationOptions = {}): DataFlowInstrumentation {
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const queryText = options.queryText ?? true;
  // The current DataFlow span's context, carried through the traced call's async work.
  const store = new AsyncLocalStorage<Context>();
  const open: Open = new WeakMap();
  const parent = (): Context => store.getStore() ?? context.active();

  const started = <T extends object>(message: T, span: Span): Context => {
    open.set(message, span);
    return trace.setSpan(parent(), span);
  };

  const runStart = (message: RunTraceContext): Context => {
    const attributes: Record<string, string | number> = { "dataflow.workflow.node_count": message.nodeCount };
    if (message.workflow !== undefined) attributes["dataflow.workflow.name"] = message.workflow;
    const name = message.workflow === undefined ? "dataflow.run" : `dataflow.run ${message.workflow}`;
    return started(message, tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent()));
  };

  const nodeStart = (message: NodeTraceContext): Context =>
    started(
      message,
      tracer.startSpan(
        `dataflow.node ${message.nodeType}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: { "dataflow.run.id": message.runId, "dataflow.node.id": message.nodeId, "dataflow.node.type": message.nodeType },
        },
        parent(),
      ),
    );

  const queryStart = (message: QueryTraceContext): Context => {
    const collection = message.model ?? collectionOf(message.text);
    const attributes: Record<string, string | number> = { "db.system.name": message.system, "db.operation.name": message.operation };
    if (collection !== undefined) attributes["db.collection.name"] = collection;
    if (queryText) attributes["db.query.text"] = message.text;
    if (message.paramCount !== undefined) attributes["dataflow.query.param_count"] = message.paramCount;
    const name = collection === undefined ? message.operation || message.system : `${message.operation} ${collection}`;
    return started(message, tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent()));
  };

  const finish = (message: object & Traced & { runId?: string }) => {
    const span = open.get(message);
    if (!span) return;
    open.delete(message);
    if (typeof message.runId === "string" && message.runId !== "") span.setAttribute("dataflow.run.id", message.runId);
    if (message.error !== undefined) fail(span, message.error);
    span.end();
  };
  // A synchronous throw ends with `end` and no `asyncEnd`; a promise ends with `asyncEnd`.
  const endIfFailed = (message: object & Traced) => {
    if (message.error !== undefined) finish(message);
  };

  const subscriptions = [
    { channel: channels.run, start: runStart },
    { channel: channels.node, start: nodeStart },
    { channel: channels.query, start: queryStart },
  ] as const;
  const handlers = { asyncEnd: finish, end: endIfFailed };
  for (const { channel, start } of subscriptions) {
    channel.start.bindStore(store, start as (message: unknown) => Context);
    channel.subscribe(handlers as never);
  }

  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      for (const { channel } of subscriptions) {
        channel.start.unbindStore(store);
        channel.unsubscribe(handlers as never);
      }
    },
  };
}
