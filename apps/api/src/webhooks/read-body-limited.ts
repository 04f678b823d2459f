// Reads a request body while counting its bytes, and stops at a limit without
// reading further: a declared length above it is refused unread, and a body
// sent without one (chunked) is refused as soon as the count passes it.
//
// The reader is left unread, not cancelled: on a Node server, cancelling the
// body destroys the request and with it the socket, so the client would see a
// reset instead of the 413. The caller answers with `Connection: close`, and
// Node closes the socket once that answer is written.

/** One non-negative integer; anything else (a list, a sign, a smuggling attempt) is refused. */
const CONTENT_LENGTH = /^\d+$/;
/** Bounds the read loop even if a stream were to deliver empty chunks forever. */
const READS_MAX = 65_536;

export type LimitedBody =
  | { outcome: "read"; text: string; bytes: number }
  | { outcome: "too_large" }
  | { outcome: "bad_length" };

export async function readBodyLimited(request: Request, maxBytes: number): Promise<LimitedBody> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (!CONTENT_LENGTH.test(declared)) return { outcome: "bad_length" };
    if (Number(declared) > maxBytes) return { outcome: "too_large" };
  }
  if (request.body === null) return { outcome: "read", text: "", bytes: 0 };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (let reads = 0; reads < READS_MAX; reads++) {
    const { done, value } = await reader.read();
    if (done) return { outcome: "read", text: Buffer.concat(chunks).toString("utf8"), bytes };
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      reader.releaseLock();
      return { outcome: "too_large" };
    }
    chunks.push(value);
  }
  reader.releaseLock();
  return { outcome: "too_large" };
}
