// The one timestamp of a Stripe-style `Stripe-Signature` header
// (`t=<unix seconds>,v1=<hex>[,v1=…]`). The SDK verifies the HMAC with the last
// `t=` it finds and never refuses a timestamp in the future; reading the header
// here first, and refusing any header that does not carry exactly one
// well-formed `t=`, leaves both checks one value to agree on.

/** Header items; a real one has a timestamp and one or two signatures. */
const ITEMS_MAX = 16;
/** Unix seconds: at most 12 digits keeps the number exact and far beyond any real date. */
const TIMESTAMP = /^\d{1,12}$/;

/** The signed timestamp in seconds, or null when the header has no `t=`, several, or a malformed one. */
export function parseStripeSignatureTimestamp(header: string): number | null {
  const items = header.split(",", ITEMS_MAX + 1);
  if (items.length > ITEMS_MAX) return null;
  let timestamp: number | null = null;
  for (const item of items) {
    const separator = item.indexOf("=");
    if (separator === -1) continue;
    if (item.slice(0, separator).trim() !== "t") continue;
    const value = item.slice(separator + 1).trim();
    if (timestamp !== null || !TIMESTAMP.test(value)) return null;
    timestamp = Number(value);
  }
  return timestamp;
}
