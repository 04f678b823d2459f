// Gives graphql-js's variable errors a code. Variables that do not fit their input type (a misspelt input field,
// a required one missing, a null where a value is needed) are refused by graphql-js before anything runs, with a
// clear message but no `extensions.code`, so a client that branches on codes found nothing to branch on (an outside
// check sent `ammount` and got two errors without a code). They are bad input: INVALID_INPUT, as for a bad scalar.
// A custom scalar's own refusal (AMOUNT_INVALID, CURRENCY_INVALID, …) keeps its code.
import type { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** graphql-js's sentences for variables that do not fit (getVariableValues, coerceInputValue). */
const VARIABLE_ERROR = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /;

export function useVariableErrorCodes(): Plugin {
  return {
    onResultProcess({ result }) {
      if (!("errors" in result)) return;
      for (const error of (result.errors ?? []) as GraphQLError[]) {
        if (error.extensions?.code !== undefined || !VARIABLE_ERROR.test(error.message)) continue;
        // GraphQLError's extensions are a plain property (readonly only in its type); yoga serialises them as they stand.
        (error as { extensions: Record<string, unknown> }).extensions = {
          ...error.extensions,
          code: "INVALID_INPUT",
        };
      }
    },
  };
}
