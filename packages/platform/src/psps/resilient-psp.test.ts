// Goal: retries reuse the attempt's idempotency key, stop on answers, and never turn a maybe-charged try into a safe failover.
import type { PaymentServiceProvider, PspOutcome } from "@paycore/core/psp/psp-port";
import { describe, expect, it } from "vitest";
import { ResilientPsp } from "./resilient-psp";
import { type TransientKind, TransientPspError } from "./transient-error";

const FAST = {
  attemptsMax: 3,
  initialDelayMs: 1,
  maxDelayMs: 2,
  breakerThreshold: 3,
  halfOpenAfterMs: 60_000,
  retryAfterCapMs: 5,
};

function scripted(steps: Array<TransientKind | PspOutcome>) {
  const keys: string[] = [];
  const psp: PaymentServiceProvider = {
    name: "fake",
    async authorize(request) {
      keys.push(request.idempotencyKey);
      const step = steps.shift();
      if (step === undefined) throw new Error("no more steps");
      if (typeof step === "string")
        throw new TransientPspError(step, step, step === "rate_limited" ? 1 : null);
      return step;
    },
    capture: async () => ({ outcome: "unknown", message: "" }),
    void: async () => ({ outcome: "unknown", message: "" }),
    refund: async () => ({ outcome: "unknown", message: "" }),
    status: async () => ({ state: "not_found", amountCapturedMinor: 0n, amountRefundedMinor: 0n }),
    lookupModification: async () => ({ outcome: "unknown", message: "" }),
  };
  return { psp, keys };
}

const request = {
  idempotencyKey: "att_1",
  reference: "pay_1",
  amountMinor: 100n,
  currency: "USD",
  capture: true,
  card: { number: "4242424242424242", expMonth: 1, expYear: 2030 },
};
const ok: PspOutcome = { outcome: "succeeded", pspReference: "ch_1" };

describe("ResilientPsp", () => {
  it.each([
    ["a transient error then success", ["server", ok], ok, 2],
    [
      "a decline is an answer, not retried",
      [{ outcome: "declined", code: "card_declined", message: "no" }],
      { outcome: "declined", code: "card_declined", message: "no" },
      1,
    ],
    [
      "refused every time: certainly not charged",
      ["refused", "refused", "refused"],
      { outcome: "unavailable" },
      3,
    ],
    [
      "rate limited every time: not charged",
      ["rate_limited", "rate_limited", "rate_limited"],
      { outcome: "unavailable" },
      3,
    ],
    ["a timeout every time: unknown", ["timeout", "timeout", "timeout"], { outcome: "unknown" }, 3],
    ["a timeout, then refused: still unknown", ["timeout", "refused", "refused"], { outcome: "unknown" }, 3],
    ["5xx every time: unknown", ["server", "server", "server"], { outcome: "unknown" }, 3],
  ] as Array<[string, Array<TransientKind | PspOutcome>, Partial<PspOutcome>, number]>)(
    "%s",
    async (_name, steps, expected, calls) => {
      const { psp, keys } = scripted([...steps]);
      const outcome = await new ResilientPsp(psp, FAST).authorize(request);
      expect(outcome).toMatchObject(expected);
      expect(keys).toHaveLength(calls);
      expect(new Set(keys)).toEqual(new Set(["att_1"]));
    },
  );

  it("opens the breaker after consecutive failures and then answers unavailable without calling", async () => {
    const { psp, keys } = scripted(Array.from({ length: 20 }, () => "server" as const));
    const resilient = new ResilientPsp(psp, { ...FAST, attemptsMax: 1 });
    for (let i = 0; i < 3; i++) await resilient.authorize(request);
    expect(resilient.breakerState()).toBe("open");
    const calls = keys.length;
    expect(await resilient.authorize(request)).toMatchObject({ outcome: "unavailable" });
    expect(keys.length).toBe(calls);
  });
});
