// A query stops when its client goes away or when it has run for `deadlineMs`: the executor gets an abort
// signal, resolves no further field once it fires, and answers with the signal's reason. Yoga's
// useExecutionCancellation does the first half (it passes the request's signal); this adds the deadline and a
// typed error. Mutations get no signal: a mutation whose intent is stored runs to its end, so its idempotent
// answer is stored and a retry with the same key replays it.
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { limitError } from "./use-query-limits";

export function useExecutionDeadline(deadlineMs: number): Plugin {
  return {
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation !== "query") return;
      const controller = new AbortController();
      const timer = setTimeout(
        () =>
          controller.abort(
            limitError("QUERY_TIMEOUT", `The query ran for more than ${deadlineMs} ms and was stopped.`, 503),
          ),
        deadlineMs,
      );
      // Should execution end without onExecuteDone (a thrown error), the timer must not hold the process open.
      timer.unref();
      const request = (args.contextValue as { request?: Request }).request;
      const onClientGone = () => controller.abort(request?.signal.reason);
      if (request?.signal.aborted) onClientGone();
      else request?.signal.addEventListener("abort", onClientGone, { once: true });
      (args as { signal?: AbortSignal }).signal = controller.signal;
      return {
        onExecuteDone() {
          clearTimeout(timer);
          request?.signal.removeEventListener("abort", onClientGone);
        },
      };
    },
  };
}
