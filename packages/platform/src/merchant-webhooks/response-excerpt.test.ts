// Goal (issue 22): what we keep of a merchant endpoint's answer holds nothing we sent: a success keeps no excerpt,
// a failure keeps its answer with every value of the event replaced (in any case, JSON-escaped, or cut short by the
// 1 KiB cap), and the result stays within 1 KiB.
import { describe, expect, it } from "vitest";
import { EXCERPT_REDACTED, excerptToKeep, scrubSentValues } from "./response-excerpt";
import { RESPONSE_EXCERPT_BYTES_MAX, type SendResult } from "./webhook-sender";

const payload = {
  id: "evt_01",
  type: "invoice.finalized",
  data: {
    object: {
      id: "inv_01",
      customerEmail: "ada.lovelace@example.test",
      description: 'Ada "the Countess" Lovelace',
      currency: "EUR",
      country: "GB",
      lines: [{ description: "Analytical engine notes" }],
    },
  },
};

const answer = (statusCode: number | null, responseExcerpt: string | null): SendResult => ({
  statusCode,
  latencyMs: 3,
  responseExcerpt,
  error: null,
  address: "127.0.0.1",
});

describe("excerptToKeep", () => {
  it("keeps nothing of a successful answer, even one that echoes the body", () => {
    expect(excerptToKeep(answer(200, JSON.stringify(payload)), payload)).toBeNull();
    expect(excerptToKeep(answer(204, null), payload)).toBeNull();
  });

  it("keeps a failed answer less every value we sent, in any case and JSON-escaped", () => {
    const echoed = `bad signature for ${JSON.stringify(payload)} from ADA.LOVELACE@EXAMPLE.TEST`;
    const kept = excerptToKeep(answer(400, echoed), payload) as string;
    expect(kept).toContain("bad signature for");
    expect(kept.toLowerCase()).not.toContain("lovelace");
    expect(kept).not.toContain("Analytical");
    expect(kept).not.toContain("inv_01");
    expect(kept).toContain(EXCERPT_REDACTED);
    // Keys and values under three characters (a country) stay: the operator still sees the shape of the answer.
    expect(kept).toContain('"customerEmail"');
    expect(kept).toContain('"country":"GB"');
    expect(kept).not.toContain("EUR");
  });

  it("keeps an answer that holds nothing we sent as it is", () => {
    expect(excerptToKeep(answer(500, "upstream timeout"), payload)).toBe("upstream timeout");
  });

  it("redacts a value cut short by the cap at the end of the excerpt, and stays within 1 KiB", () => {
    const prefix = "x".repeat(RESPONSE_EXCERPT_BYTES_MAX - 10);
    const cut = `${prefix}ada.lovel`;
    expect(Buffer.byteLength(cut)).toBe(RESPONSE_EXCERPT_BYTES_MAX - 1);
    const kept = excerptToKeep(answer(502, cut), payload) as string;
    expect(kept).toBe(`${prefix}${EXCERPT_REDACTED}`.slice(0, kept.length));
    expect(kept).not.toContain("lovel");
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(RESPONSE_EXCERPT_BYTES_MAX);
    // A short answer is not cut: its end is left alone.
    expect(scrubSentValues("error: ada", payload, false)).toBe("error: ada");
  });

  it("replaces many values in one pass, never inside a marker", () => {
    const withRed = { data: { a: "red", b: "reda", c: "acted" } };
    expect(scrubSentValues("red reda acted", withRed, false)).toBe(
      `${EXCERPT_REDACTED} ${EXCERPT_REDACTED} ${EXCERPT_REDACTED}`,
    );
  });
});
