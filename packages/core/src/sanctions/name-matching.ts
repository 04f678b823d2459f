// Name matching for sanctions screening (issue 22): a name is normalised (transliterated to ASCII by `any-ascii`,
// lower case, punctuation to spaces, tokens sorted so word order does not matter) and two normalised names are
// scored by Jaro-Winkler similarity (`cmpstr`), 0 to 1. Candidates come from the database by trigram similarity;
// this score decides, against the configured threshold.
import anyAscii from "any-ascii";
import { CmpStr } from "cmpstr";

/** A screened or listed name is at most this long (longer ones are cut before normalising). */
export const NAME_LENGTH_MAX = 500;
/** The default score at or above which a listed name is a possible match (SANCTIONS_MATCH_THRESHOLD). */
export const DEFAULT_MATCH_THRESHOLD = 0.92;

const jaroWinkler = CmpStr.create().setMetric("jaroWinkler");

/** ASCII, lower case, letters and digits only, tokens sorted and deduplicated: "Müller, Hans" -> "hans muller". */
export function normalizeName(name: string): string {
  const ascii = anyAscii(name.slice(0, NAME_LENGTH_MAX).normalize("NFKC")).toLowerCase();
  const tokens = ascii.split(/[^a-z0-9]+/).filter((token) => token.length > 0);
  return [...new Set(tokens)].sort().join(" ");
}

/** Jaro-Winkler similarity of two normalised names (1: equal). Empty names never match. */
export function normalizedSimilarity(a: string, b: string): number {
  if (a.length === 0 || b.length === 0) return 0;
  if (a === b) return 1;
  const score = jaroWinkler.compare(a, b);
  return typeof score === "number" && Number.isFinite(score) ? Math.max(0, Math.min(1, score)) : 0;
}

/** The similarity of two names as written. */
export function nameSimilarity(a: string, b: string): number {
  return normalizedSimilarity(normalizeName(a), normalizeName(b));
}

/** A score as stored (NUMERIC(5,4)): four decimals, rounded down so a stored score never passes a threshold it missed. */
export function storedScore(score: number): string {
  return (Math.floor(score * 10_000) / 10_000).toFixed(4);
}
