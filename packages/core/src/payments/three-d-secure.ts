// 3-D Secure (issue 20): what a payment records of its cardholder authentication, as the PSP reported it.
// The PSPs run the authentication (their sandboxes simulate it as their test modes do); paycore records the
// outcome on the payment, never trusting the customer's browser for it (see complete-authentication.ts).

/**
 * AUTHENTICATED: the issuer authenticated the cardholder (frictionless or after a challenge).
 * CHALLENGE_REQUIRED: the issuer asks for a challenge the customer has not completed yet.
 * FAILED: the authentication failed (the customer failed the challenge, or the issuer refused).
 * ABANDONED: nobody completed the challenge before the payment's action expired.
 */
export type ThreeDSecureStatus = "AUTHENTICATED" | "CHALLENGE_REQUIRED" | "FAILED" | "ABANDONED";
export type ThreeDSecureFlow = "FRICTIONLESS" | "CHALLENGE";

export interface ThreeDSecureRecord {
  status: ThreeDSecureStatus;
  flow: ThreeDSecureFlow;
  /** The protocol version the PSP used, e.g. "2.2.0". */
  version: string;
  /** Electronic Commerce Indicator from the issuer ("05" Visa / "02" Mastercard fully authenticated), when known. */
  eci: string | null;
  /** Whether chargeback liability for fraud moved to the issuer: true only for a successful authentication. */
  liabilityShift: boolean;
}

export const THREE_D_SECURE_STATUSES: readonly ThreeDSecureStatus[] = [
  "AUTHENTICATED",
  "CHALLENGE_REQUIRED",
  "FAILED",
  "ABANDONED",
];

/**
 * The record with its fields in one fixed order: rows read back from jsonb and the records the core predicts
 * must encode alike (the payment store compares a predicted response with the committed one).
 */
export function threeDSecureRecord(value: ThreeDSecureRecord): ThreeDSecureRecord {
  return {
    status: value.status,
    flow: value.flow,
    version: value.version,
    eci: value.eci,
    liabilityShift: value.liabilityShift,
  };
}

/** Reads the jsonb column (or a stored response) back; anything else is a programmer error upstream. */
export function parseThreeDSecure(value: unknown): ThreeDSecureRecord | null {
  if (value === null || value === undefined || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  if (!THREE_D_SECURE_STATUSES.includes(record.status as ThreeDSecureStatus)) return null;
  return threeDSecureRecord({
    status: record.status as ThreeDSecureStatus,
    flow: record.flow === "CHALLENGE" ? "CHALLENGE" : "FRICTIONLESS",
    version: typeof record.version === "string" ? record.version : "2.2.0",
    eci: typeof record.eci === "string" ? record.eci : null,
    liabilityShift: record.liabilityShift === true,
  });
}
