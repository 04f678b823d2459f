// A card's funding type (issue 18): credit, debit or prepaid, from the BIN table by longest prefix. Like the
// country table (../fraud/bin-country.ts) it only knows the sandbox test cards; production plugs a licensed BIN
// database in behind `fundingTypeFromBin`'s signature. A card the table does not know is "unknown", which no
// routing rule or fee rule for a funding type matches.
export const FUNDING_TYPES = ["credit", "debit", "prepaid", "unknown"] as const;
export type FundingType = (typeof FUNDING_TYPES)[number];

export const BIN_FUNDING_TYPES: ReadonlyArray<{ prefix: string; fundingType: FundingType; note: string }> = [
  { prefix: "424242", fundingType: "credit", note: "visa test card" },
  { prefix: "555555", fundingType: "credit", note: "mastercard test card" },
  { prefix: "400000", fundingType: "credit", note: "visa test cards (declines and scenarios)" },
  { prefix: "378282", fundingType: "credit", note: "amex test card" },
  { prefix: "40000566", fundingType: "debit", note: "visa debit test card" },
  { prefix: "52008282", fundingType: "debit", note: "mastercard debit test card" },
  { prefix: "51051051", fundingType: "prepaid", note: "mastercard prepaid test card" },
];

/** Longest prefix wins; null or non-digits: unknown. */
export function fundingTypeFromBin(bin: string | null): FundingType {
  if (bin === null || !/^[0-9]+$/.test(bin)) return "unknown";
  let best: { prefix: string; fundingType: FundingType } | null = null;
  for (const entry of BIN_FUNDING_TYPES) {
    if (bin.startsWith(entry.prefix) && (best === null || entry.prefix.length > best.prefix.length))
      best = entry;
  }
  return best?.fundingType ?? "unknown";
}

export function parseFundingType(input: string): FundingType | null {
  const value = input.trim().toLowerCase();
  return (FUNDING_TYPES as readonly string[]).includes(value) ? (value as FundingType) : null;
}
