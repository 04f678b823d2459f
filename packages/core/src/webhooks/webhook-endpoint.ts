// A merchant's webhook endpoint: its input rules and its state machine. The state machine's edges are also a
// table in Postgres (webhook_endpoint_status_transitions) that a trigger enforces on every update.
import { DomainError } from "../errors/domain-error";
import { hasControlCharacter, hasLoneSurrogate } from "../payments/free-text";
import type { Mode } from "../payments/payment-record";
import { containsCardNumber } from "../vault/card-number-text";
import {
  ALL_EVENTS,
  currentWebhookEventType,
  isDeprecatedWebhookEventType,
  isWebhookEventType,
} from "./event-types";

export type WebhookEndpointStatus = "ENABLED" | "DISABLED" | "DELETED";
export type WebhookEndpointEvent = "DISABLE" | "ENABLE" | "DELETE";

export const WEBHOOK_ENDPOINT_TRANSITIONS = {
  ENABLED: { DISABLE: "DISABLED", DELETE: "DELETED" },
  DISABLED: { ENABLE: "ENABLED", DELETE: "DELETED" },
  DELETED: {},
} as const satisfies Record<
  WebhookEndpointStatus,
  Partial<Record<WebhookEndpointEvent, WebhookEndpointStatus>>
>;

/** The next status, or a WEBHOOK_ENDPOINT_STATE error when the event is not an edge from `status`. */
export function endpointTransition(
  status: WebhookEndpointStatus,
  event: WebhookEndpointEvent,
): WebhookEndpointStatus {
  const edges: Partial<Record<WebhookEndpointEvent, WebhookEndpointStatus>> =
    WEBHOOK_ENDPOINT_TRANSITIONS[status];
  const next = edges[event];
  if (next === undefined) {
    throw new DomainError(
      "WEBHOOK_ENDPOINT_STATE",
      `A ${status.toLowerCase()} endpoint cannot ${event.toLowerCase()}.`,
      {
        field: ["id"],
      },
    );
  }
  return next;
}

/** Why an endpoint is disabled: by the merchant, by an operator, or by the delivery worker after days of failures. */
export type DisabledReason = "MERCHANT" | "OPERATOR" | "FAILING";

export const WEBHOOK_URL_LENGTH_MAX = 2048;
export const WEBHOOK_DESCRIPTION_LENGTH_MAX = 500;
/** Endpoints (not deleted) per merchant and mode. */
export const WEBHOOK_ENDPOINTS_PER_MODE_MAX = 16;
export const WEBHOOK_ENABLED_EVENTS_MAX = 64;

export interface WebhookEndpointView {
  id: string;
  merchantId: string;
  mode: Mode;
  url: string;
  description: string | null;
  enabledEvents: string[];
  status: WebhookEndpointStatus;
  disabledReason: DisabledReason | null;
  failingSince: Date | null;
  needsAttention: boolean;
  /** The last characters of the current secret, to tell secrets apart. */
  secretHint: string;
  /** Replaced secrets still signing deliveries, with when each stops. */
  previousSecretsValidUntil: Date[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A URL parsed and checked for its form; whether its host may be reached is the UrlGuard's (network) check. */
export function validWebhookUrl(raw: string, mode: Mode): URL {
  const invalid = (message: string) => new DomainError("WEBHOOK_URL_INVALID", message, { field: ["url"] });
  if (typeof raw !== "string" || raw.length === 0) throw invalid("A URL is required.");
  if (raw.length > WEBHOOK_URL_LENGTH_MAX)
    throw invalid(`A URL is at most ${WEBHOOK_URL_LENGTH_MAX} characters.`);
  if (containsCardNumber(raw)) {
    throw new DomainError("CARD_NUMBER_IN_TEXT", "The URL contains what looks like a card number.", {
      field: ["url"],
    });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("The URL is not a valid absolute URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw invalid("The URL must be https.");
  if (mode === "LIVE" && url.protocol !== "https:") throw invalid("A live-mode endpoint must use https.");
  if (url.username !== "" || url.password !== "") throw invalid("The URL must not hold credentials.");
  if (url.hash !== "") throw invalid("The URL must not have a fragment.");
  if (url.hostname === "") throw invalid("The URL needs a host.");
  return url;
}

/** Lower-case words joined by dots and underscores, as every event type is (`payment.captured`). */
const EVENT_TYPE_SHAPE = /^[a-z][a-z_.]{0,63}$/;

/**
 * The enabled events, deduplicated and sorted: known types (a deprecated name is kept as given: it is delivered
 * its current name), or `*` alone for every type.
 */
export function validEnabledEvents(raw: readonly string[]): string[] {
  const invalid = (message: string) =>
    new DomainError("WEBHOOK_EVENT_TYPE_INVALID", message, { field: ["enabledEvents"] });
  if (!Array.isArray(raw) || raw.length === 0) throw invalid("Enable at least one event type, or `*`.");
  if (raw.length > WEBHOOK_ENABLED_EVENTS_MAX)
    throw invalid(`At most ${WEBHOOK_ENABLED_EVENTS_MAX} event types.`);
  const unique = [...new Set(raw)];
  if (unique.includes(ALL_EVENTS)) {
    if (unique.length > 1) throw invalid("`*` enables every type: list it alone.");
    return [ALL_EVENTS];
  }
  const unknown = unique.find((type) => !isWebhookEventType(type) && !isDeprecatedWebhookEventType(type));
  // Quoted only when it is shaped like an event type (a typo worth showing): anything else, a card number pasted
  // into the wrong field included, is never echoed back.
  if (unknown !== undefined)
    throw invalid(EVENT_TYPE_SHAPE.test(unknown) ? `Unknown event type: ${unknown}.` : "Unknown event type.");
  return unique.sort();
}

export function validDescription(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed.length === 0) return null;
  if (trimmed.length > WEBHOOK_DESCRIPTION_LENGTH_MAX) {
    throw new DomainError(
      "DESCRIPTION_TOO_LONG",
      `A description is at most ${WEBHOOK_DESCRIPTION_LENGTH_MAX} characters.`,
      { field: ["description"] },
    );
  }
  // A NUL reached Postgres, which refuses it ("Unexpected error."); half a surrogate pair is not text.
  if (hasControlCharacter(trimmed) || hasLoneSurrogate(trimmed)) {
    throw new DomainError("INVALID_INPUT", "The description must not contain control characters.", {
      field: ["description"],
    });
  }
  if (containsCardNumber(trimmed)) {
    throw new DomainError("CARD_NUMBER_IN_TEXT", "The description contains what looks like a card number.", {
      field: ["description"],
    });
  }
  return trimmed;
}

/** Whether an endpoint wants an event of this type (an enabled deprecated name wants its current name). */
export function endpointWants(enabledEvents: readonly string[], type: string): boolean {
  if (enabledEvents.includes(ALL_EVENTS)) return true;
  const wanted = currentWebhookEventType(type);
  return enabledEvents.some((enabled) => currentWebhookEventType(enabled) === wanted);
}
