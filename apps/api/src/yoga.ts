// Builds the GraphQL server. `main.ts` only listens; tests call `yoga.fetch`.
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Logger } from "pino";
import { createContext, type GraphQLContext } from "./context";
import { useIdempotencyReplay } from "./plugins/use-idempotency-replay";
import { useRedactCardNumbers } from "./plugins/use-redact-card-numbers";
import { useRequestBodyLimit } from "./plugins/use-request-body-limit";
import { schema } from "./schema/index";
import type { AppServices } from "./services";

export function createYogaServer(
  services: AppServices,
  logger: Logger,
): YogaServerInstance<Record<string, unknown>, GraphQLContext> {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    healthCheckEndpoint: "/health",
    landingPage: false,
    graphiql: { title: "paycore merchant API", defaultQuery: GRAPHIQL_QUERY },
    context: ({ request }) => createContext(services, request),
    // Unexpected errors are masked even in development: a stack trace or a driver message is no answer for a client.
    maskedErrors: { isDev: false },
    batching: false,
    // Replaced by useRequestBodyLimit, which checks a declared length without a stream per request.
    maxRequestBodySize: false,
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(" ")),
      info: (...args) => logger.info(args.map(String).join(" ")),
      warn: (...args) => logger.warn(args.map(String).join(" ")),
      error: (...args) => logger.error({ err: args.find((a) => a instanceof Error) }, "graphql error"),
    },
    plugins: [
      useRedactCardNumbers(),
      useIdempotencyReplay(),
      // Last: it wraps whichever request parser the plugins before it chose.
      useRequestBodyLimit(),
    ],
  });
}

const GRAPHIQL_QUERY = `# Add the header {"Authorization": "Bearer sk_test_..."} below, then run.
query RecentPayments {
  payments(first: 5) {
    nodes { id status amount currency paymentMethod { brand last4 } createdAt }
  }
  balance { currency available fees }
}
`;
