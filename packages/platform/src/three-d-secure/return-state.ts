// The 3-D Secure return URL's state (issue 20): paycore names the payment a customer's return is for itself, in
// the return URL it gives the PSP, signed, so nothing the PSP appends (Adyen's opaque redirectResult, Stripe's
// payment_intent) is needed to find the payment, and a return URL cannot be edited to name another payment.
//
//   <PUBLIC_BASE_URL>/three-d-secure/return/<payment id>/<state>, state = hex HMAC-SHA256(key, payment id), 128 bits
//
// Deterministic: the resolver asks the PSP again with the very body of the first authorization, return URL
// included (Adyen refuses a reused key with another body). The key is derived (HKDF, its own label) from the
// idempotency hash secret that every API process of a deployment already shares: no new secret to configure.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

const RETURN_STATE_LABEL = "paycore/three-d-secure/return-state/v1";
/** Hex characters of the state: 128 bits of the HMAC. */
export const RETURN_STATE_LENGTH = 32;

export interface ThreeDSecureReturnState {
  /** The state for a payment's return URL. */
  stateFor(paymentId: string): string;
  /** Whether `state` is the payment's (constant time). */
  verify(paymentId: string, state: string): boolean;
}

export function createThreeDSecureReturnState(idempotencyHashSecretBase64: string): ThreeDSecureReturnState {
  const key = Buffer.from(
    hkdfSync(
      "sha256",
      Buffer.from(idempotencyHashSecretBase64, "base64"),
      Buffer.alloc(0),
      RETURN_STATE_LABEL,
      32,
    ),
  );
  const stateFor = (paymentId: string) =>
    createHmac("sha256", key).update(paymentId).digest("hex").slice(0, RETURN_STATE_LENGTH);
  return {
    stateFor,
    verify(paymentId, state) {
      if (state.length !== RETURN_STATE_LENGTH) return false;
      return timingSafeEqual(Buffer.from(stateFor(paymentId)), Buffer.from(state));
    },
  };
}
