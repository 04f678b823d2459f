// Our own spans (a PSP call, a core command, a GraphQL operation), nested in
// whatever span is active (the HTTP request's). With tracing off (no
// OTEL_EXPORTER_OTLP_ENDPOINT) `inSpan` only calls its function: no span object,
// no context switch. Attribute values are never card data or secrets.
import { type Attributes, context, SpanStatusCode, trace } from "@opentelemetry/api";

let enabled = false;

/** Called once by startTracing when the SDK is running. */
export function enableSpans(): void {
  enabled = true;
}

const tracer = trace.getTracer("paycore");

/** Runs `work` in a child span named `name`; null attribute values are left out. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean | null>,
  work: () => Promise<T>,
): Promise<T> {
  if (!enabled) return work();
  const present: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== null) present[key] = value;
  return tracer.startActiveSpan(name, { attributes: present }, async (span) => {
    try {
      return await work();
    } catch (error) {
      // The error's class only: messages may carry input.
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : "error" });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the active span (the payment id once a command knows it); nothing when tracing is off. */
export function annotateActiveSpan(attributes: Record<string, string | number | boolean>): void {
  if (!enabled) return;
  trace.getSpan(context.active())?.setAttributes(attributes);
}

/** The active trace and span ids for a log line, or null. */
export function activeTraceIds(): { trace_id: string; span_id: string } | null {
  if (!enabled) return null;
  const span = trace.getSpan(context.active());
  if (!span) return null;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** Whether startTracing has run in this process. */
export function spansEnabled(): boolean {
  return enabled;
}
