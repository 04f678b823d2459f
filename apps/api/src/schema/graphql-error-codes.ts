// The codes of GraphQL errors (`extensions.code`): refusals by the transport (authentication, origin, rate and
// query limits, bad scalars), raised before any command runs, so they never appear in a payload's UserError.
// The payload's codes live in the core's ERROR_TABLE; the scalars reuse five of them (AMOUNT_INVALID,
// AMOUNT_TOO_LARGE, CURRENCY_INVALID, INVALID_INPUT, METADATA_INVALID) and are not repeated here.
// graphql-error-codes.test.ts checks that every code the API's source raises is in one of the two tables.

interface GraphQLErrorCodeSpec {
  /** The HTTP status of the answer; null when it is 200 with `errors` (a field of a query failed). */
  readonly httpStatus: number | null;
  /** True when the same request may succeed later unchanged (after Retry-After where one is sent). */
  readonly retryable: boolean;
  readonly description: string;
}

export const GRAPHQL_ERROR_TABLE = {
  UNAUTHENTICATED: {
    httpStatus: 401,
    retryable: false,
    description: "no API key, or an unknown or revoked one",
  },
  // Signed requests (issue 22): each refusal of a signed (or unsigned but required) request has its own code.
  SIGNATURE_MISSING: {
    httpStatus: 401,
    retryable: false,
    description: "the merchant requires signed requests and a signature header is missing",
  },
  SIGNATURE_MALFORMED: {
    httpStatus: 401,
    retryable: false,
    description: "a signature header is not in its format (timestamp, nonce, v1=<hex>)",
  },
  SIGNATURE_TIMESTAMP_STALE: {
    httpStatus: 401,
    retryable: false,
    description: "the signed timestamp is more than 5 minutes from the server's clock, either way",
  },
  SIGNATURE_INVALID: {
    httpStatus: 401,
    retryable: false,
    description: "the signature does not match the request (or the key has no signing secret)",
  },
  SIGNATURE_NONCE_REUSED: {
    httpStatus: 401,
    retryable: false,
    description: "the nonce was already used within the signature window",
  },
  // graphql-yoga's own codes for a document that is not GraphQL or does not fit the schema (a misspelt field).
  // 200 to a client that accepts application/json (the spec's legacy media type), 400 with
  // application/graphql-response+json.
  GRAPHQL_PARSE_FAILED: {
    httpStatus: null,
    retryable: false,
    description: "the document is not valid GraphQL (a syntax error)",
  },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: null,
    retryable: false,
    description: "the document does not fit the schema (an unknown or misspelt field, a wrong argument)",
  },
  FORBIDDEN: { httpStatus: 403, retryable: false, description: "the wrong kind of key for this operation" },
  NOT_FOUND: { httpStatus: null, retryable: false, description: "an unknown id in a query" },
  ORIGIN_NOT_ALLOWED: {
    httpStatus: 403,
    retryable: false,
    description: "a browser request with a secret key, or from an origin the merchant has not allowed",
  },
  RATE_LIMITED: {
    httpStatus: 429,
    retryable: true,
    description: "a rate limit was reached; see Retry-After",
  },
  CONCURRENCY_LIMITED: {
    httpStatus: 429,
    retryable: true,
    description: "the key already runs its maximum of list or balance queries",
  },
  REQUEST_ENTITY_TOO_LARGE: { httpStatus: 413, retryable: false, description: "a request body above 1 MiB" },
  BAD_REQUEST: {
    httpStatus: 400,
    retryable: false,
    description:
      "a Content-Length that is not a number; a body that is not valid UTF-8 or not JSON; GET variables that are not JSON",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    retryable: false,
    description: "a POST whose Content-Type is not JSON, a GraphQL document, a form or multipart",
  },
  QUERY_TOO_LARGE: { httpStatus: 400, retryable: false, description: "too many tokens in the document" },
  QUERY_TOO_DEEP: { httpStatus: 400, retryable: false, description: "nested too deep" },
  QUERY_TOO_MANY_ALIASES: { httpStatus: 400, retryable: false, description: "too many aliases" },
  QUERY_TOO_MANY_DIRECTIVES: { httpStatus: 400, retryable: false, description: "too many directives" },
  QUERY_TOO_COMPLEX: { httpStatus: 400, retryable: false, description: "may resolve too many objects" },
  LIST_TOO_LONG: { httpStatus: 400, retryable: false, description: "a list in the variables is too long" },
  QUERY_TIMEOUT: {
    httpStatus: 503,
    retryable: true,
    description: "a query ran past GRAPHQL_QUERY_DEADLINE_MS and was stopped",
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    description:
      "the database could not be reached (a failover or restart): nothing was done that the same idempotency key will not replay; send the request again with that key after Retry-After",
  },
  RESPONSE_TOO_LARGE: { httpStatus: 400, retryable: false, description: "the answer would exceed 4 MiB" },
  SUBSCRIPTION_LIMITED: {
    httpStatus: 429,
    retryable: true,
    description: "the key (10) or the process already holds its maximum of open subscriptions",
  },
  PERSISTED_QUERY_NOT_FOUND: {
    httpStatus: 404,
    retryable: true,
    description: "a persisted-query hash this process does not hold: send the query with its hash once",
  },
  PERSISTED_QUERY_MISMATCH: {
    httpStatus: 400,
    retryable: false,
    description: "a persisted-query hash that is not the SHA-256 of the query sent with it",
  },
  METHOD_NOT_ALLOWED: {
    httpStatus: 405,
    retryable: false,
    description: "a method other than GET or HEAD on /health/workers",
  },
} as const satisfies Record<string, GraphQLErrorCodeSpec>;

export type GraphQLErrorCode = keyof typeof GRAPHQL_ERROR_TABLE;
