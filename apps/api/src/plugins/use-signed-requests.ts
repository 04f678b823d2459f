// Signed requests (issue 22), checked before the body is parsed: a request with a secret key whose merchant
// requires signatures, or any request that carries signature headers, must carry a valid timestamp, nonce and
// HMAC-SHA256 signature made with the key's signing secret (packages/core/src/merchants/request-signing.ts). A
// refusal is HTTP 401 with a GraphQL-over-HTTP body and its own `extensions.code`; nothing has run.
//
// Order of the checks: the headers' shape and the timestamp when the request arrives (no body read); then, as the
// body is read for parsing (bounded by useRequestBodyLimit), the signature, compared in constant time, and the
// nonce, recorded only for a request whose signature is right (so a forger cannot burn a merchant's nonces). The key's policy (its secret and the
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
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

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

interface PendingCheck {
  secret: string;
  apiKeyId: string;
  method: string;
  pathWithQuery: string;
  timestamp: string;
  nonce: string;
  signatureHex: string;
}

/** A refusal raised while the body is parsed: Yoga answers it as a request error with this status. */
function refusal(code: SignatureRefusal): GraphQLError {
  return new GraphQLError(SIGNATURE_REFUSAL_MESSAGES[code], {
    extensions: {
      code,
      http: { status: 401, headers: { "www-authenticate": 'PaycoreSignature realm="paycore"' } },
    },
  });
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
  /** Requests whose signature is checked when their body is read (set in onRequest, taken in onRequestParse). */
  const pending = new WeakMap<Request, PendingCheck>();
  const nowMs = deps.nowMs ?? Date.now;

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== deps.graphqlPath || request.method === "OPTIONS") return;
      // Answered before any GraphQL processing, so the body is written as Yoga writes a request error.
      const refuse = (code: SignatureRefusal) => {
        const message = SIGNATURE_REFUSAL_MESSAGES[code];
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status: 401,
            headers: {
              "content-type": mediaTypeFor(request),
              "www-authenticate": 'PaycoreSignature realm="paycore"',
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
      pending.set(request, {
        secret: policy.secret,
        apiKeyId: policy.apiKeyId,
        method: request.method,
        pathWithQuery: `${url.pathname}${url.search}`,
        timestamp: checked.timestamp,
        nonce: checked.nonce,
        signatureHex: checked.signatureHex,
      });
    },

    // The body is read once, by the parser: the signature over it is checked, then the nonce claimed, and only then
    // is it parsed. useRequestBodyLimit (after this plugin) bounds what is read.
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const check = pending.get(request);
      if (check === undefined || requestParser === undefined) return;
      pending.delete(request);
      setRequestParser(async (received) => {
        const body = new Uint8Array(await received.arrayBuffer());
        const parts = {
          method: check.method,
          pathWithQuery: check.pathWithQuery,
          timestamp: check.timestamp,
          nonce: check.nonce,
          body,
        };
        if (!signatureMatches(check.secret, parts, check.signatureHex)) throw refusal("SIGNATURE_INVALID");
        const claim = await deps.nonces.claim(check.apiKeyId, check.nonce, NONCE_TTL_SECONDS);
        if (!claim.fresh) throw refusal("SIGNATURE_NONCE_REUSED");
        return requestParser(
          new fetchAPI.Request(received.url, {
            method: received.method,
            headers: received.headers,
            ...(received.method === "GET" || received.method === "HEAD" ? {} : { body }),
          }),
        );
      });
    },
  };
}
