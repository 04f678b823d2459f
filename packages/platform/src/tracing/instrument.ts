// The tracing preload: `node --import <this>` (or `tsx --import`) runs it
// before the entry point, so OpenTelemetry patches node:http, pg and ioredis
// before any of them is loaded. Does nothing unless OTEL_EXPORTER_OTLP_ENDPOINT
// is set. `npm start` and the API's start:prod use it.
import { readEnv } from "../env";
import { startTracing } from "./tracing";

const env = readEnv();
const tracing = await startTracing({
  endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
  serviceName: env.OTEL_SERVICE_NAME,
});
if (tracing !== null) {
  // Spans still buffered go out before a clean exit.
  process.once("beforeExit", () => void tracing.shutdown());
}
