// What we keep of a merchant endpoint's answer (issue 22). The excerpt is there for an operator or a merchant to see
// why an endpoint refused a webhook, so a successful (2xx) attempt keeps none. A failed one keeps its first 1 KiB,
// less anything we sent: an endpoint that echoes our request body would otherwise leave the customer's e-mail (or
// any other value of the event) in webhook_delivery_attempts, in clear, for the attempts' 30 days. Every string
// value of the event we posted is replaced by a marker, in any case, raw or JSON-escaped, and so is a value cut
// short by the 1 KiB cap at the excerpt's end.
import { isSuccess, RESPONSE_EXCERPT_BYTES_MAX, type SendResult } from "./webhook-sender";

/** What a scrubbed value becomes in an excerpt. */
export const EXCERPT_REDACTED = "[redacted]";
/** Values shorter than this (a currency, a two-letter country) identify nobody and are left, so errors stay legible. */
export const SCRUBBED_VALUE_LENGTH_MIN = 3;
/** Bounds on the walk of the payload: its depth and the number of values scrubbed. */
const PAYLOAD_DEPTH_MAX = 12;
const SCRUBBED_VALUES_MAX = 500;

/** The excerpt to store for an attempt: null for a success or no answer, else the answer less the event's values. */
export function excerptToKeep(result: SendResult, sentPayload: unknown): string | null {
  if (isSuccess(result) || result.responseExcerpt === null) return null;
  const cutShort = Buffer.byteLength(result.responseExcerpt) >= RESPONSE_EXCERPT_BYTES_MAX - 3;
  const scrubbed = scrubSentValues(result.responseExcerpt, sentPayload, cutShort);
  return scrubbed.length === 0 ? null : truncateUtf8(scrubbed, RESPONSE_EXCERPT_BYTES_MAX);
}

/**
 * `excerpt` with every string value of `payload` (raw and as JSON escapes it) replaced by EXCERPT_REDACTED;
 * `cutShort`: the excerpt stopped at the cap, so its end may hold the start of a value.
 */
export function scrubSentValues(excerpt: string, payload: unknown, cutShort: boolean): string {
  const values = new Set<string>();
  collectStrings(payload, 0, values);
  const forms = new Set<string>();
  for (const value of values) {
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  // Longest first, so a value that contains another is replaced whole.
  const ordered = [...forms].filter((form) => form.length >= SCRUBBED_VALUE_LENGTH_MIN);
  ordered.sort((a, b) => b.length - a.length);
  // One pass over the excerpt (an alternation tries the longest first), so no marker is itself rewritten.
  const text =
    ordered.length === 0
      ? excerpt
      : excerpt.replace(new RegExp(ordered.map(escapeRegExp).join("|"), "gi"), EXCERPT_REDACTED);
  // The cap may have cut the last value short: a tail that starts a value (at least the minimum length) goes too.
  return cutShort ? redactCutTail(text, ordered) : text;
}

/** `text` whose end is the start of one of `forms` (compared in lower case), with that tail redacted. */
function redactCutTail(text: string, forms: readonly string[]): string {
  const lower = text.toLowerCase();
  let cut = text.length;
  for (const form of forms) {
    const low = form.toLowerCase();
    const first = low[0] as string;
    // Tails shorter than the value, no shorter than the minimum: from where the longest could start.
    for (
      let at = lower.indexOf(first, Math.max(0, lower.length - low.length + 1));
      at !== -1 && at <= lower.length - SCRUBBED_VALUE_LENGTH_MIN;
      at = lower.indexOf(first, at + 1)
    ) {
      if (low.startsWith(lower.slice(at))) {
        cut = Math.min(cut, at);
        break;
      }
    }
  }
  return cut < text.length ? `${text.slice(0, cut)}${EXCERPT_REDACTED}` : text;
}

function collectStrings(value: unknown, depth: number, into: Set<string>): void {
  if (into.size >= SCRUBBED_VALUES_MAX || depth > PAYLOAD_DEPTH_MAX) return;
  if (typeof value === "string") {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, depth + 1, into);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) collectStrings(item, depth + 1, into);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** At most `bytesMax` bytes of UTF-8, cut between characters. */
function truncateUtf8(text: string, bytesMax: number): string {
  if (Buffer.byteLength(text) <= bytesMax) return text;
  let end = text.length;
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > bytesMax) end--;
  return text.slice(0, end);
}
