// Last line of defence for card data: GraphQL parse and coercion errors echo
// what the client sent ("got invalid value 4242…"), so any run of 12 or more
// digits (with the separators card numbers are written with: space, -, ., _)
// in an error message is replaced before it leaves. The notion of such a run
// is the core's, shared with the refusal of card numbers in free text.
import { redactCardNumbers } from "@paycore/core/vault/card-number-text";
import type { Plugin } from "graphql-yoga";

export function useRedactCardNumbers(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      const results = Array.isArray(result) ? result : [result];
      let changed = false;
      const redacted = results.map((single) => {
        if (!single || typeof single !== "object" || !("errors" in single) || !single.errors) return single;
        const errors = single.errors.map((error) => {
          const message = redactCardNumbers(error.message);
          if (message === error.message) return error;
          changed = true;
          return {
            ...error.toJSON?.(),
            message,
            locations: error.locations,
            path: error.path,
            extensions: error.extensions,
          };
        });
        return { ...single, errors };
      });
      if (changed) setResult((Array.isArray(result) ? redacted : redacted[0]) as typeof result);
    },
  };
}
