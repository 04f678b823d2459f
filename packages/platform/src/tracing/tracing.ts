// OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set: then
// the Node SDK (@opentelemetry/sdk-node 0.223, the last line that supports
// Node 20) exports spans by OTLP over HTTP (JSON) from the instrumentations of
// incoming and outgoing HTTP (the request's root span, a PSP's SDK call),
// undici (fetch), node-postgres and ioredis, plus our own spans (spans.ts).
// Nothing of OpenTelemetry's SDK is loaded when it is off: zero cost.
//
// Must run before pg and ioredis are first imported (the entry points call it
// first and import the app afterwards): the instrumentations patch modules as
// they load, through the require hook and, for ES modules, the
// import-in-the-middle loader hook (@opentelemetry/instrumentation/hook.mjs).
import { createRequire, register } from "node:module";
import { enableSpans } from "./spans";

export interface TracingConfig {
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `${endpoint}/v1/traces`. Null: off. */
  endpoint: string | null;
  /** The service.name resource attribute: paycore-api, paycore-console. */
  serviceName: string;
}

export interface Tracing {
  /** Exports what is buffered now (tests, and before a clean exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function startTracing(config: TracingConfig): Promise<Tracing | null> {
  if (config.endpoint === null) return null;
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { BatchSpanProcessor },
    { resourceFromAttributes },
    { HttpInstrumentation },
    { UndiciInstrumentation },
    { PgInstrumentation },
    { IORedisInstrumentation },
  ] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-undici"),
    import("@opentelemetry/instrumentation-pg"),
    import("@opentelemetry/instrumentation-ioredis"),
  ]);
  const processor = new BatchSpanProcessor(
    new OTLPTraceExporter({ url: `${config.endpoint.replace(/\/$/, "")}/v1/traces` }),
  );
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [processor],
    instrumentations: [
      new HttpInstrumentation({
        // Scrapes and health checks are not worth a trace each.
        ignoreIncomingRequestHook: (request) => /^\/(metrics|health)/.test(request.url ?? ""),
      }),
      new UndiciInstrumentation(),
      // Statement texts are ours (parameters are never recorded): they say which query was slow.
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      // Redis commands without their arguments (keys hold idempotency scopes).
      new IORedisInstrumentation({ dbStatementSerializer: (command) => command }),
    ],
  });
  sdk.start();
  // ioredis and pg are CommonJS packages our ES modules import: the instrumentations patch them through the
  // require hook, which an ES import does not pass through in every loader (vitest's, for one). Requiring them
  // once here patches the classes that every later import shares (one module.exports per file).
  const require = createRequire(import.meta.url);
  require("ioredis");
  require("pg");
  enableSpans();
  return {
    flush: () => processor.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
}
