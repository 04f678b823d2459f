// What names a tokenizeCard request for its idempotency key. The request hash is
// stored (Postgres and Redis) beside the card's BIN and last 4, and the hash
// secret is one more secret that can leak: so the hash covers neither the card
// number (with the secret, a PAN's unknown middle digits fall to brute force in
// seconds) nor the CVC (PCI DSS forbids keeping any form of it after
// authorization, and three or four digits fall faster still).

/** The tokenize input an idempotency key is bound to. */
export interface TokenizeRequestIdentity {
  /** The vault's keyed fingerprint of the PAN (its own key, not the request hash secret). */
  fingerprint: string;
  expMonth: number;
  expYear: number;
}

/**
 * The card as its idempotency key sees it: the same card and expiry replay under one key, whatever CVC came
 * with the retry (the CVC is not part of the request's identity); another card or expiry is a different request.
 * Takes no CVC, so it cannot hash one.
 */
export function tokenizeRequestIdentity(
  card: { expMonth: number; expYear: number },
  fingerprint: string,
): TokenizeRequestIdentity {
  return { fingerprint, expMonth: card.expMonth, expYear: card.expYear };
}
