// Structured logs. Request bodies are never logged; the redaction list is a
// second guard for fields that could carry secrets or card data. With tracing
// on (OTEL_EXPORTER_OTLP_ENDPOINT), a line carries the trace id of its request.
import pino, { type DestinationStream, type Logger } from "pino";
import { activeTraceIds } from "./tracing/spans";

/** `destination`: stdout unless given (the card-data canary test reads what would be logged). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // With tracing on, a line logged inside a request carries its trace_id and span_id.
      mixin: () => activeTraceIds() ?? {},
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "*.number",
          "*.cvc",
          "*.card",
          "*.key",
          "*.secret",
          "*.password",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
