// The largest answer a query may produce. The cost limit bounds how many objects a query asks for; this
// bounds what they weigh (long metadata, payments with many more events than the cost model assumes), so a
// client gets a typed error instead of a body that fills the heap on its way out.
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { limitError } from "./use-query-limits";

/** A full page of 100 payments with every nested field is a few hundred kilobytes. */
export const RESPONSE_MAX_BYTES = 4 * 1024 * 1024;

export function useResponseSizeLimit(maxBytes = RESPONSE_MAX_BYTES): Plugin {
  return {
    onExecute({ args }) {
      // A mutation's answer is already stored for replay: it is never withheld.
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      return {
        onExecuteDone({ result, setResult }) {
          if (!("data" in result)) return;
          if (Buffer.byteLength(JSON.stringify(result.data ?? null)) <= maxBytes) return;
          setResult({
            errors: [
              limitError(
                "RESPONSE_TOO_LARGE",
                `The answer would be larger than ${maxBytes} bytes. Ask for smaller pages or fewer fields.`,
              ),
            ],
          });
        },
      };
    },
  };
}
