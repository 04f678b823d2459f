// Marks a response that was replayed from a stored idempotent result: in the
// GraphQL `extensions` and as an `Idempotent-Replayed: true` header.
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../context";

export function useIdempotencyReplay(): Plugin<GraphQLContext> {
  const replayed = new WeakSet<Request>();
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const context = args.contextValue as GraphQLContext & { request?: Request };
          if (!context.idempotencyReplayed || !("data" in result)) return;
          if (context.request) replayed.add(context.request);
          setResult({ ...result, extensions: { ...result.extensions, idempotency: { replayed: true } } });
        },
      };
    },
    onResponse({ request, response }) {
      if (replayed.has(request)) response.headers.set("Idempotent-Replayed", "true");
    },
  };
}
