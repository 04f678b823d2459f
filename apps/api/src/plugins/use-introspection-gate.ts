// Introspection (`__schema`, `__type`) only for a merchant's secret key or an operator: codegen needs the
// schema, a publishable key in a browser or an anonymous caller does not. `__typename` stays open.
// Checked in onExecute because the caller is only known once the context is built, after validation.
import { GraphQLError, NoSchemaIntrospectionCustomRule, validate } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GraphQLContext } from "../context";

const INTROSPECTION_FIELD = /__schema|__type\b/;

export function useIntrospectionGate(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as unknown as GraphQLContext;
      if (context.operator !== null || context.auth?.kind === "SECRET") return;
      // A text search first: a publishable key tokenizing cards is a hot path, and validating is not free.
      const text = args.document.loc?.source.body;
      if (text !== undefined && !INTROSPECTION_FIELD.test(text)) return;
      if (validate(args.schema, args.document, [NoSchemaIntrospectionCustomRule]).length === 0) return;
      const anonymous = context.auth === null;
      setResultAndStopExecution({
        errors: [
          new GraphQLError("Introspection needs a secret key (sk_…).", {
            extensions: {
              code: anonymous ? "UNAUTHENTICATED" : "FORBIDDEN",
              http: { status: anonymous ? 401 : 403 },
            },
          }),
        ],
      });
    },
  };
}
