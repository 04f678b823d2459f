// Signed requests (issue 22), checked before the body is parsed: a request with a secret key whose merchant
// requires signatures, or any request that carries signature headers, must carry a valid timestamp, nonce and
// HMAC-SHA256 signature made with the key's signing secret (packages/core/src/merchants/request-signing.ts). A
// refusal is HTTP 401 with a GraphQL-over-HTTP body and its own `extensions.code`; nothing has run.
//
// Order of the checks: the headers' shape and the timestamp (no body read), then the body (bounded like every
// request body) and the signature, compared in constant time, then the nonce, recorded only for a request whose
// signature is right (so a forger cannot burn a merchant's nonces). The key's policy (its secret and the
// merchant's requirement) is cached for 30 s per process, like the merchants' other access policies.
import { hashApiKey, parseApiKey } from "@paycore/core/merchants/api-keys";
import {
  checkSignatureHeaders,
  hasSignatureHeaders,
  SIGNATURE_HEADERS,
  SIGNATURE_REFUSAL_MESSAGES,
  SIGNATURE_WINDOW_SECONDS,
  type SignatureRefusal,
  signatureMatches,
} from "@paycore/core/merchants/request-signing";
import type { SigningPolicy } from "@paycore/core/merchants/request-signing-commands";
import { TtlCache } from "@paycore/core/ttl-cache";
import type { RequestNonces } from "@paycore/platform/adapters/request-nonces";
import type { Plugin } from "graphql-yoga";
import { REQUEST_BODY_MAX_BYTES } from "./use-request-body-limit";

const POLICY_TTL_MS = 30_000;
const POLICIES_MAX = 10_000;
/** A nonce is remembered for the whole span a timestamp is accepted in: the window on both sides. */
export const NONCE_TTL_SECONDS = 2 * SIGNATURE_WINDOW_SECONDS;

export interface SignedRequestDependencies {
  policyByKeyHash(keyHash: string): Promise<SigningPolicy | null>;
  nonces: Pick<RequestNonces, "claim">;
  /** The API's GraphQL path: the only one checked (webhooks and documents have their own authentication). */
  graphqlPath: string;
  nowMs?: () => number;
}

class BodyTooLarge extends Error {}

/** The body's bytes, at most `limit` of them, from a clone (Yoga parses the original). */
async function boundedBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw new BodyTooLarge();
  const body = request.clone().body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > limit) {
      await reader.cancel();
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** A secret key from the Authorization header, or null (no header, another scheme or kind: not ours to check). */
function secretKeyOf(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  const key = match?.[1];
  if (key === undefined) return null;
  return parseApiKey(key)?.kind === "SECRET" ? key : null;
}

/** GraphQL-over-HTTP: the graphql-response media type unless the client accepts only plain JSON. */
function mediaTypeFor(request: Request): string {
  const accept = request.headers.get("accept") ?? "";
  return /application\/json/i.test(accept) && !/application\/graphql-response\+json|\*\/\*/i.test(accept)
    ? "application/json; charset=utf-8"
    : "application/graphql-response+json; charset=utf-8";
}

export function useSignedRequests(deps: SignedRequestDependencies): Plugin {
  const policies = new TtlCache<string, SigningPolicy | null>(POLICY_TTL_MS, POLICIES_MAX);
  const nowMs = deps.nowMs ?? Date.now;

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== deps.graphqlPath || request.method === "OPTIONS") return;
      const refuse = (code: SignatureRefusal | "REQUEST_ENTITY_TOO_LARGE") => {
        const status = code === "REQUEST_ENTITY_TOO_LARGE" ? 413 : 401;
        const message =
          code === "REQUEST_ENTITY_TOO_LARGE"
            ? `The request body is larger than ${REQUEST_BODY_MAX_BYTES} bytes.`
            : SIGNATURE_REFUSAL_MESSAGES[code];
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: {
              "content-type": mediaTypeFor(request),
              ...(status === 401 ? { "www-authenticate": 'PaycoreSignature realm="paycore"' } : {}),
            },
          }),
        );
      };
      const key = secretKeyOf(request);
      if (key === null) return;
      const headers = {
        timestamp: request.headers.get(SIGNATURE_HEADERS.timestamp),
        nonce: request.headers.get(SIGNATURE_HEADERS.nonce),
        signature: request.headers.get(SIGNATURE_HEADERS.signature),
      };
      const keyHash = hashApiKey(key);
      const policy = await policies.getOrLoad(keyHash, () => deps.policyByKeyHash(keyHash));
      // An unknown or revoked key: the context refuses it (UNAUTHENTICATED).
      if (policy === null) return;
      if (!hasSignatureHeaders(headers)) {
        if (policy.required) refuse("SIGNATURE_MISSING");
        return;
      }
      const checked = checkSignatureHeaders(headers, Math.floor(nowMs() / 1000));
      if (!checked.ok) return refuse(checked.code);
      // Signed, but this key has no signing secret: nothing can match.
      if (policy.secret === null) return refuse("SIGNATURE_INVALID");
      let body: Uint8Array;
      try {
        body = await boundedBody(request, REQUEST_BODY_MAX_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge) return refuse("REQUEST_ENTITY_TOO_LARGE");
        throw error;
      }
      const parts = {
        method: request.method,
        pathWithQuery: `${url.pathname}${url.search}`,
        timestamp: checked.timestamp,
        nonce: checked.nonce,
        body,
      };
      if (!signatureMatches(policy.secret, parts, checked.signatureHex)) return refuse("SIGNATURE_INVALID");
      const claim = await deps.nonces.claim(policy.apiKeyId, checked.nonce, NONCE_TTL_SECONDS);
      if (!claim.fresh) return refuse("SIGNATURE_NONCE_REUSED");
    },
  };
}
