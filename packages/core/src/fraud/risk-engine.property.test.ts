// Properties: the combined score is bounded and monotone, and no explanation ever leaks the card fingerprint or email.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { assessRisk, combineScores } from "./risk-engine";
import type { ListHit, RiskContext, RiskSignal, VelocityCounts } from "./risk-types";

const signalArb: fc.Arbitrary<RiskSignal> = fc.record({
  name: fc.constant("s"),
  score: fc.integer({ min: 0, max: 100 }),
  weight: fc.double({ min: 0, max: 1, noNaN: true }),
  detail: fc.constant(""),
});

describe("combineScores properties", () => {
  it("is an integer within 0..100", () => {
    fc.assert(
      fc.property(fc.array(signalArb, { maxLength: 20 }), (signals) => {
        const score = combineScores(signals);
        expect(Number.isInteger(score)).toBe(true);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(100);
      }),
    );
  });

  it("never drops when a signal is added anywhere", () => {
    fc.assert(
      fc.property(fc.array(signalArb, { maxLength: 20 }), signalArb, fc.nat(), (signals, extra, at) => {
        const index = at % (signals.length + 1);
        const more = [...signals.slice(0, index), extra, ...signals.slice(index)];
        expect(combineScores(more)).toBeGreaterThanOrEqual(combineScores(signals));
      }),
      { numRuns: 2000 },
    );
  });

  it("does not depend on signal order", () => {
    fc.assert(
      fc.property(fc.array(signalArb, { maxLength: 20 }), (signals) => {
        expect(combineScores([...signals].reverse())).toBe(combineScores(signals));
      }),
    );
  });

  it("is at least the strongest single signal's weighted score", () => {
    fc.assert(
      fc.property(fc.array(signalArb, { minLength: 1, maxLength: 20 }), (signals) => {
        const strongest = Math.max(...signals.map((s) => Math.floor(s.weight * s.score)));
        expect(combineScores(signals)).toBeGreaterThanOrEqual(strongest);
      }),
    );
  });
});

const currencies = ["USD", "EUR", "JPY", "KWD", "BHD", "CLP"].map(
  (code) => parseCurrency(code) as CurrencyCode,
);
const fingerprintArb = fc.stringMatching(/^fp_[0-9a-f]{16,32}$/);
const emailArb = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9._+-]{3,16}$/),
    fc.stringMatching(/^[a-z0-9-]{2,12}$/),
    fc.constantFrom("com", "org", "io"),
  )
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const countryArb = fc.option(fc.constantFrom("US", "FR", "DE", "BR", "JP", "us", "XX", "USA", ""), {
  nil: null,
});
const countArb = fc.option(fc.nat({ max: 60 }), { nil: null });
const countsArb: fc.Arbitrary<VelocityCounts | null> = fc.option(
  fc.record({
    count10m: fc.nat({ max: 30 }),
    count1h: fc.nat({ max: 60 }),
    count24h: fc.nat({ max: 200 }),
    amount24hMinor: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  }),
  { nil: null },
);
const pointArb = fc.record({
  latitude: fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: fc.double({ min: -180, max: 180, noNaN: true }),
});
const dateArb = fc.date({
  min: new Date("2026-01-01T00:00:00Z"),
  max: new Date("2026-12-31T00:00:00Z"),
  noInvalidDate: true,
});

/** Notes are where a leak would come from, so they deliberately embed the secrets. */
function noteArb(fingerprint: string, email: string): fc.Arbitrary<string | null> {
  return fc.oneof(
    fc.constant(null),
    fc.string(),
    fc.string().map((s) => `${s}${email}${s}`),
    fc.string().map((s) => `${s} ${fingerprint.toUpperCase()} ${s}`),
    fc.constantFrom(
      `${email} and ${fingerprint}`,
      `EMAIL ${email.toUpperCase()}`,
      "card 4242 4242 4242 4242",
    ),
  );
}

const contextArb: fc.Arbitrary<RiskContext> = fc
  .tuple(fingerprintArb, fc.option(emailArb, { nil: null }))
  .chain(([fingerprint, email]) => {
    const listHitArb: fc.Arbitrary<ListHit> = fc.record({
      list: fc.constantFrom("DENY" as const, "ALLOW" as const),
      kind: fc.constantFrom("FINGERPRINT" as const, "EMAIL" as const, "IP" as const, "BIN" as const),
      note: noteArb(fingerprint, email ?? "someone@example.com"),
    });
    return fc.record({
      now: dateArb,
      amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      currency: fc.constantFrom(...currencies),
      card: fc.record({
        fingerprint: fc.constant(fingerprint),
        bin: fc.option(fc.stringMatching(/^[0-9]{6,8}$/), { nil: null }),
        brand: fc.constantFrom("visa" as const, "mastercard" as const, "amex" as const, "unknown" as const),
        country: countryArb,
      }),
      customer: fc.record({
        email: fc.constant(email),
        ipAddress: fc.option(fc.ipV4(), { nil: null }),
        deviceId: fc.option(fc.string({ minLength: 1, maxLength: 10 }), { nil: null }),
        billingCountry: countryArb,
      }),
      ipCountry: countryArb,
      location: fc.option(
        pointArb.chain((p) =>
          fc.constantFrom("ip" as const, "billing" as const).map((source) => ({ ...p, source })),
        ),
        { nil: null },
      ),
      velocity: fc.record({
        source: fc.constantFrom("redis" as const, "postgres" as const, "unavailable" as const),
        card: countsArb,
        email: countsArb,
        ip: countsArb,
        device: countsArb,
        merchant: countsArb,
        smallAttempts10m: fc.record({ ip: countArb, card: countArb }),
        declines1h: fc.record({ ip: countArb, card: countArb }),
      }),
      previousCardLocation: fc.option(
        fc.tuple(pointArb, dateArb).map(([p, at]) => ({ ...p, at })),
        { nil: null },
      ),
      merchantHistory: fc.option(
        fc.record({
          sampleCount: fc.nat({ max: 500 }),
          meanMinor: fc.double({ min: 0, max: 1e9, noNaN: true }),
          stddevMinor: fc.double({ min: 0, max: 1e8, noNaN: true }),
        }),
        { nil: null },
      ),
      firstUseAtMerchant: fc.boolean(),
      listHits: fc.array(listHitArb, { maxLength: 4 }),
    });
  });

describe("assessRisk properties", () => {
  it("never puts the card fingerprint or the email in a signal detail", () => {
    fc.assert(
      fc.property(contextArb, (context) => {
        const secrets = [context.card.fingerprint, context.customer.email]
          .filter((s): s is string => s !== null)
          .map((s) => s.toLowerCase());
        for (const signal of assessRisk(context).signals) {
          const detail = signal.detail.toLowerCase();
          for (const secret of secrets) {
            expect(detail).not.toContain(secret);
          }
          expect(detail).not.toContain("@");
        }
      }),
      { numRuns: 500 },
    );
  });

  it("honours the decision table on any context", () => {
    fc.assert(
      fc.property(contextArb, (context) => {
        const result = assessRisk(context);
        expect(Number.isInteger(result.score)).toBe(true);
        expect(result.score).toBeGreaterThanOrEqual(0);
        expect(result.score).toBeLessThanOrEqual(100);
        expect(result.degraded).toBe(context.velocity.source === "unavailable");
        if (context.listHits.some((h) => h.list === "DENY")) {
          expect(result).toMatchObject({ decision: "DECLINE", score: 100 });
        } else if (result.degraded) {
          expect(result.decision).not.toBe("APPROVE");
        } else if (context.listHits.some((h) => h.list === "ALLOW")) {
          expect(result.decision).toBe("APPROVE");
        }
        for (const signal of result.signals) {
          expect(Number.isInteger(signal.score)).toBe(true);
          expect(signal.score).toBeGreaterThanOrEqual(0);
          expect(signal.score).toBeLessThanOrEqual(100);
        }
        const impacts = result.signals.map((s) => s.weight * s.score);
        expect(impacts).toEqual([...impacts].sort((a, b) => b - a));
      }),
      { numRuns: 500 },
    );
  });
});
