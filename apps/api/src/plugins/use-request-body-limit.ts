// The largest request body the API reads, checked without a stream per request.
//
// Yoga's own limit (`maxRequestBodySize`, on by default) pipes every request
// body through a TransformStream that counts bytes: a pipeline, its
// end-of-stream listeners, an abort signal and a second Request per request.
// Those objects outlive a scavenge or two and were the largest single source of
// what the API's heap promoted to the old generation, and so of its major
// collections and the latency bursts behind them (docs/benchmarks.md, "What
// the tail was made of"). A body that declares its length needs none of that: Node's
// HTTP parser delivers exactly Content-Length bytes as the body, so checking
// the header is the whole check. Only a body without a length (chunked) is
// counted as it streams, as Yoga does.
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** GraphQL requests and PSP notifications are a few kilobytes; a mebibyte is far beyond any honest one. */
export const REQUEST_BODY_MAX_BYTES = 1024 * 1024;

/** One non-negative integer; anything else (a list, a sign, a smuggling attempt) is refused. */
const CONTENT_LENGTH = /^\d+$/;

function tooLarge(): GraphQLError {
  return new GraphQLError(`The request body is larger than ${REQUEST_BODY_MAX_BYTES} bytes.`, {
    extensions: { code: "REQUEST_ENTITY_TOO_LARGE", http: { status: 413 } },
  });
}

/**
 * Refuses a declared length above the limit or one that is not a number, and counts the bytes of a body sent
 * without one. Use with `maxRequestBodySize: false`, which turns Yoga's per-request stream off.
 */
export function useRequestBodyLimit(limit = REQUEST_BODY_MAX_BYTES): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get("content-length");
      if (declared !== null) {
        if (!CONTENT_LENGTH.test(declared)) {
          throw new GraphQLError("The Content-Length header is not a number of bytes.", {
            extensions: { code: "BAD_REQUEST", http: { status: 400 } },
          });
        }
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser((unlimited) => {
        const body = unlimited.body;
        if (body === null) return requestParser(unlimited);
        let read = 0;
        // A native ReadableStream needs the native TransformStream; the ponyfill's would not pipe into it.
        const Transform = body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
        const counted = body.pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        return requestParser(
          new fetchAPI.Request(unlimited.url, {
            method: unlimited.method,
            headers: unlimited.headers,
            signal: unlimited.signal,
            body: counted,
            duplex: "half",
          } as RequestInit),
        );
      });
    },
  };
}
