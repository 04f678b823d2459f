// The pure rules of merchant webhooks: the endpoint state machine, input bounds, the signature (against a fixed
// test vector, the one docs/api.md publishes), the retry schedule and the address policy against SSRF.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { classifyAddress, isLocalhostName } from "./address-policy";
import {
  afterFailedAttempt,
  RETRY_BASE_MS,
  RETRY_CAP_MS,
  RETRY_WINDOW_MS,
  retryDelayMs,
  shouldDisableEndpoint,
} from "./delivery-schedule";
import { DEPRECATED_WEBHOOK_EVENT_TYPES, WEBHOOK_EVENT_TYPES, webhookEventTypeNames } from "./event-types";
import {
  endpointTransition,
  endpointWants,
  validDescription,
  validEnabledEvents,
  validWebhookUrl,
  WEBHOOK_ENDPOINT_TRANSITIONS,
  type WebhookEndpointEvent,
  type WebhookEndpointStatus,
} from "./webhook-endpoint";
import { newWebhookSecret, signatureHeader, signatureV1 } from "./webhook-signature";

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof DomainError ? error.code : "not a DomainError";
  }
}

describe("endpoint state machine", () => {
  const statuses: WebhookEndpointStatus[] = ["ENABLED", "DISABLED", "DELETED"];
  const events: WebhookEndpointEvent[] = ["ENABLE", "DISABLE", "DELETE"];
  const cases = statuses.flatMap((status) => events.map((event) => [status, event] as const));
  it.each(cases)("%s on %s follows the table or is WEBHOOK_ENDPOINT_STATE", (status, event) => {
    const expected = (WEBHOOK_ENDPOINT_TRANSITIONS[status] as Record<string, string>)[event];
    if (expected === undefined)
      expect(codeOf(() => endpointTransition(status, event))).toBe("WEBHOOK_ENDPOINT_STATE");
    else expect(endpointTransition(status, event)).toBe(expected);
  });
  it("a deleted endpoint is terminal", () => {
    expect(Object.keys(WEBHOOK_ENDPOINT_TRANSITIONS.DELETED)).toEqual([]);
  });
});

describe("endpoint input", () => {
  it.each([
    ["", "TEST", "WEBHOOK_URL_INVALID"],
    ["not a url", "TEST", "WEBHOOK_URL_INVALID"],
    ["ftp://example.com/hook", "TEST", "WEBHOOK_URL_INVALID"],
    ["http://example.com/hook", "LIVE", "WEBHOOK_URL_INVALID"],
    ["https://user:pw@example.com/hook", "LIVE", "WEBHOOK_URL_INVALID"],
    ["https://example.com/hook#frag", "LIVE", "WEBHOOK_URL_INVALID"],
    [`https://example.com/${"a".repeat(2100)}`, "LIVE", "WEBHOOK_URL_INVALID"],
    ["https://example.com/4242424242424242", "LIVE", "CARD_NUMBER_IN_TEXT"],
    ["https://example.com/hook", "LIVE", null],
    ["http://localhost:3000/hook", "TEST", null],
  ] as const)("%s in %s mode: %s", (url, mode, code) => {
    expect(codeOf(() => validWebhookUrl(url, mode))).toBe(code);
  });

  it.each([
    ["a typo, quoted to help", "payment.capturd", "Unknown event type: payment.capturd."],
    ["a card number, never echoed", "4000056655665556", "Unknown event type."],
    ["a card number with spaces, never echoed", "4000 0566 5566 5556", "Unknown event type."],
    ["text that is no event type", "DROP TABLE x", "Unknown event type."],
  ])("an unknown event type: %s", (_name, type, message) => {
    let error: unknown;
    try {
      validEnabledEvents([type]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toBe(message);
  });

  it("enabled events: known types deduplicated and sorted, or * alone", () => {
    expect(validEnabledEvents(["refund.failed", "payment.captured", "refund.failed"])).toEqual([
      "payment.captured",
      "refund.failed",
    ]);
    expect(validEnabledEvents(["*"])).toEqual(["*"]);
    expect(codeOf(() => validEnabledEvents([]))).toBe("WEBHOOK_EVENT_TYPE_INVALID");
    expect(codeOf(() => validEnabledEvents(["*", "payment.created"]))).toBe("WEBHOOK_EVENT_TYPE_INVALID");
    expect(codeOf(() => validEnabledEvents(["payment.exploded"]))).toBe("WEBHOOK_EVENT_TYPE_INVALID");
    expect(codeOf(() => validEnabledEvents(Array.from({ length: 65 }, () => "payment.created")))).toBe(
      "WEBHOOK_EVENT_TYPE_INVALID",
    );
    expect(endpointWants(["*"], "refund.created")).toBe(true);
    expect(endpointWants(["payment.created"], "refund.created")).toBe(false);
    expect(WEBHOOK_EVENT_TYPES).toContain("payment.review_decided");
  });

  it("one spelling (canceled); the former payment.cancelled is accepted and wants payment.canceled", () => {
    expect(WEBHOOK_EVENT_TYPES.filter((type) => type.includes("cancelled"))).toEqual([]);
    expect(WEBHOOK_EVENT_TYPES).toEqual(expect.arrayContaining(["payment.canceled", "payout.canceled"]));
    expect(validEnabledEvents(["payment.cancelled", "refund.created"])).toEqual([
      "payment.cancelled",
      "refund.created",
    ]);
    expect(endpointWants(["payment.cancelled"], "payment.canceled")).toBe(true);
    expect(endpointWants(["payment.canceled"], "payment.cancelled")).toBe(true);
    expect(endpointWants(["payment.cancelled"], "payment.captured")).toBe(false);
    expect(webhookEventTypeNames("payment.canceled")).toEqual(["payment.canceled", "payment.cancelled"]);
    expect(webhookEventTypeNames("payment.cancelled")).toEqual(["payment.canceled", "payment.cancelled"]);
    expect(webhookEventTypeNames("refund.created")).toEqual(["refund.created"]);
    for (const current of Object.values(DEPRECATED_WEBHOOK_EVENT_TYPES))
      expect(WEBHOOK_EVENT_TYPES).toContain(current);
  });

  it("descriptions are trimmed, bounded and free of card numbers", () => {
    expect(validDescription("  orders  ")).toBe("orders");
    expect(validDescription("   ")).toBeNull();
    expect(codeOf(() => validDescription("x".repeat(501)))).toBe("DESCRIPTION_TOO_LONG");
    expect(codeOf(() => validDescription("card 4242424242424242"))).toBe("CARD_NUMBER_IN_TEXT");
  });
});

describe("signature", () => {
  // The test vector published in docs/api.md.
  const secret = "whsec_test_secret";
  const body = '{"id":"evt_0","type":"payment.created"}';
  it("matches the published test vector", () => {
    expect(signatureV1(secret, 1700000000, body)).toBe(
      "d453695ce2e7b436046d332e3aa54b4d6d58951f0c37684c8e5d5d593b406eec",
    );
    expect(signatureHeader([secret], 1700000000, body)).toBe(
      `t=1700000000,v1=${signatureV1(secret, 1700000000, body)}`,
    );
  });
  it("sends one v1 per secret during an overlap, current first", () => {
    const header = signatureHeader(["whsec_new", "whsec_old"], 1700000000, body);
    const parts = header.split(",");
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(`v1=${signatureV1("whsec_new", 1700000000, body)}`);
    expect(parts[2]).toBe(`v1=${signatureV1("whsec_old", 1700000000, body)}`);
  });
  it("secrets are fresh and prefixed", () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe("retry schedule", () => {
  it("full jitter under a doubling ceiling, capped", () => {
    expect(retryDelayMs(1, 0.999)).toBeLessThan(RETRY_BASE_MS);
    expect(retryDelayMs(3, 0.999)).toBeLessThan(4 * RETRY_BASE_MS);
    expect(retryDelayMs(3, 0.999)).toBeGreaterThan(2 * RETRY_BASE_MS);
    expect(retryDelayMs(50, 0.999)).toBeLessThan(RETRY_CAP_MS);
    expect(retryDelayMs(2, 0)).toBe(1_000);
  });
  it("gives up once the next try would fall past the 3-day window", () => {
    const first = new Date("2026-01-01T00:00:00Z");
    const early = afterFailedAttempt({ firstAttemptAt: first, failedAttempts: 1, now: first, random: 0.5 });
    expect(early.kind).toBe("retry");
    const late = new Date(first.getTime() + RETRY_WINDOW_MS - 1_000);
    expect(
      afterFailedAttempt({ firstAttemptAt: first, failedAttempts: 30, now: late, random: 0.5 }).kind,
    ).toBe("give_up");
  });
  it("disables an endpoint failing for 3 days", () => {
    const now = new Date("2026-01-04T00:00:00Z");
    expect(shouldDisableEndpoint(null, now)).toBe(false);
    expect(shouldDisableEndpoint(new Date("2026-01-01T00:00:01Z"), now)).toBe(false);
    expect(shouldDisableEndpoint(new Date("2026-01-01T00:00:00Z"), now)).toBe(true);
  });
});

describe("address policy", () => {
  it.each([
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    // IPv4-compatible and other IPv6 outside 2000::/3 that ipaddr.js calls "unicast".
    ["::7f00:1", "notGlobalUnicast"],
    ["::a00:1", "notGlobalUnicast"],
    ["400::1", "notGlobalUnicast"],
  ])("refuses %s (%s) in live mode", (address, range) => {
    expect(classifyAddress(address, "LIVE")).toEqual({ allowed: false, range });
  });
  it("allows public unicast, and loopback only in test mode", () => {
    expect(classifyAddress("93.184.216.34", "LIVE")).toEqual({ allowed: true });
    expect(classifyAddress("2606:2800:220:1:248:1893:25c8:1946", "LIVE")).toEqual({ allowed: true });
    expect(classifyAddress("127.0.0.1", "TEST")).toEqual({ allowed: true });
    expect(classifyAddress("::1", "TEST")).toEqual({ allowed: true });
    expect(classifyAddress("10.0.0.1", "TEST").allowed).toBe(false);
    expect(classifyAddress("169.254.169.254", "TEST").allowed).toBe(false);
    expect(classifyAddress("nonsense", "TEST").allowed).toBe(false);
    expect(classifyAddress("127.0.0.1", "TEST", { testModeLoopback: false })).toEqual({
      allowed: false,
      range: "loopback",
    });
    expect(classifyAddress("::ffff:127.0.0.1", "TEST", { testModeLoopback: false }).allowed).toBe(false);
    expect(isLocalhostName("LOCALHOST.")).toBe(true);
    expect(isLocalhostName("api.localhost")).toBe(true);
    expect(isLocalhostName("localhost.example.com")).toBe(false);
  });
});
