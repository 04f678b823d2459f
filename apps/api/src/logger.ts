// Structured logs. Request bodies are never logged; the redaction list is a
// second guard for fields that could carry secrets or card data.
import pino, { type Logger } from "pino";

export function createLogger(level: string): Logger {
  return pino({
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
  });
}
