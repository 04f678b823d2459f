// Last line of defence for card data: GraphQL parse and coercion errors echo
// what the client sent ("got invalid value 4242…"), so any run of 12-19 digits
// (spaces or dashes allowed) in an error message is replaced before it leaves.
import type { Plugin } from "graphql-yoga";

const CARD_LIKE = /(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)/g;

export function redactCardNumbers(text: string): string {
  return text.replace(CARD_LIKE, "[redacted]");
}

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
