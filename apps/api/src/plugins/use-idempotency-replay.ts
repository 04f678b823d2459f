// Marks a response in which mutations were replayed from stored idempotent results: per mutation field in the
// GraphQL `extensions` (`idempotency.fields`, the response keys of the replayed fields: a document may mix
// replayed and fresh mutations), and for the response as a whole with an `Idempotent-Replayed: true` header,
// which CORS exposes to browsers (see corsFor in yoga.ts).
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../context";
import { replayedFields } from "../schema/replayed-fields";

export function useIdempotencyReplay(): Plugin<GraphQLContext> {
  const replayed = new WeakSet<Request>();
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const context = args.contextValue as GraphQLContext & { request?: Request };
          const fields = replayedFields(context);
          if (fields.length === 0 || !("data" in result)) return;
          if (context.request) replayed.add(context.request);
          setResult({
            ...result,
            extensions: { ...result.extensions, idempotency: { replayed: true, fields: [...fields] } },
          });
        },
      };
    },
    onResponse({ request, response }) {
      if (replayed.has(request)) response.headers.set("Idempotent-Replayed", "true");
    },
  };
}
