// Structured logs. Request bodies are never logged; the redaction list is a
// second guard for fields that could carry secrets or card data.
import pino, { type DestinationStream, type Logger } from "pino";

/** `destination`: stdout unless given (the card-data canary test reads what would be logged). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
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
