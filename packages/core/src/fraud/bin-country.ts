import { invariant } from "../errors/domain-error";

/**
 * Issuing country by longest prefix of a BIN or a whole card number. This table only knows the sandbox test cards; production
 * plugs a licensed BIN database in behind `cardCountryFromBin`'s signature.
 */
export const BIN_COUNTRIES: ReadonlyArray<{ prefix: string; country: string; note: string }> = [
  { prefix: "424242", country: "US", note: "visa test card" },
  { prefix: "555555", country: "US", note: "mastercard test card" },
  { prefix: "400000", country: "US", note: "visa test cards (declines and 3DS scenarios)" },
  { prefix: "378282", country: "US", note: "amex test card" },
  { prefix: "400000076", country: "BR", note: "Brazil test card" },
  { prefix: "400000124", country: "CA", note: "Canada test card" },
  { prefix: "400000250", country: "FR", note: "France test card" },
  { prefix: "400000276", country: "DE", note: "Germany test card" },
  { prefix: "400000392", country: "JP", note: "Japan test card" },
  { prefix: "400000826", country: "GB", note: "United Kingdom test card" },
  { prefix: "400000036", country: "AU", note: "Australia test card" },
  { prefix: "400000484", country: "MX", note: "Mexico test card" },
  { prefix: "400000356", country: "IN", note: "India test card" },
  { prefix: "400000724", country: "ES", note: "Spain test card" },
  { prefix: "400000380", country: "IT", note: "Italy test card" },
  { prefix: "400000528", country: "NL", note: "Netherlands test card" },
];

/** Longest prefix wins, so a country-specific 8-digit entry beats the generic 6-digit one. */
export function cardCountryFromBin(bin: string | null): string | null {
  if (bin === null || !/^[0-9]+$/.test(bin)) {
    return null;
  }
  let best: { prefix: string; country: string } | null = null;
  for (const entry of BIN_COUNTRIES) {
    if (bin.startsWith(entry.prefix) && (best === null || entry.prefix.length > best.prefix.length)) {
      best = entry;
    }
  }
  return best?.country ?? null;
}

/**
 * PCI DSS allows keeping the BIN next to the last four digits: 8 digits for 16-digit and
 * longer numbers, but only 6 for shorter ones, where 8 + 4 would expose too much of the PAN.
 */
export function binOf(pan: string): string {
  // The message never echoes the input: it may be a full card number.
  invariant(typeof pan === "string" && /^[0-9]{12,19}$/.test(pan), "binOf expects 12 to 19 digits");
  return pan.slice(0, pan.length >= 16 ? 8 : 6);
}
