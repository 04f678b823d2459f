// Goal: every payment is scored before authorization; low risk proceeds, high
// risk is declined without reaching the PSP, the grey zone is held (authorized,
// not captured) until an operator approves or rejects it or the hold expires,
// and the ledger follows, balanced, through every path.

import {
  findTestRedis,
  type OwnRedis,
  redisServerAvailable,
  startOwnRedis,
} from "@paycore/platform/testing/redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../src/testing/test-app";

const PAYMENT = `id status amount amountCapturable amountCaptured failureCode reviewExpiresAt pspReference
  risk { score decision degraded signals { name score weight detail } }
  events { type oldStatus newStatus source }
  ledgerEntries { kind lines { account direction amount } }`;
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code message } } }`;
const APPROVE = `mutation($input: ReviewDecisionInput!) { approvePaymentReview(input: $input) { payment { ${PAYMENT} } errors { code message } } }`;
const REJECT = `mutation($input: ReviewDecisionInput!) { rejectPaymentReview(input: $input) { payment { ${PAYMENT} } errors { code message } } }`;

interface Payment {
  id: string;
  status: string;
  amount: string;
  amountCapturable: string;
  amountCaptured: string;
  failureCode: string | null;
  reviewExpiresAt: string | null;
  pspReference: string | null;
  risk: {
    score: number;
    decision: string;
    degraded: boolean;
    signals: Array<{ name: string; score: number; detail: string }>;
  };
  events: Array<{ type: string; oldStatus: string | null; newStatus: string | null; source: string }>;
  ledgerEntries: Array<{ kind: string }>;
}
type Payload = { payment: Payment | null; errors: Array<{ code: string; message: string }> };

/** Signals that together land in the grey zone: card (US) vs IP (GB) vs billing (FR), first use, large amount. */
const GREY_ZONE = {
  amount: "150000",
  customer: { email: "grey@example.com", ipAddress: "81.2.69.142", billingAddress: { country: "FR" } },
};

async function setUp(t: TestApp, options: { realRiskThresholds?: boolean } = { realRiskThresholds: true }) {
  const merchant = await t.createMerchant(options);
  const operator = await t.app.services.operatorKeyCommands.create(TEST_FIXTURE_ACTOR, "alice");
  const pay = async (input: Record<string, unknown>, card?: string): Promise<Payload> => {
    const method = card ?? (await t.tokenize(merchant.publishableKey, randomVisa()));
    const result = await t.gql<{ createPayment: Payload }>(merchant.secretKey, CREATE, {
      input: { idempotencyKey: newKey(), currency: "USD", amount: "2500", paymentMethodId: method, ...input },
    });
    if (!result.data) throw new Error(result.raw);
    return result.data.createPayment;
  };
  const decide = async (
    query: string,
    name: string,
    paymentId: string,
    key = operator.key,
    note = "checked with the customer",
  ) => {
    const result = await t.gql<Record<string, Payload>>(key, query, {
      input: { idempotencyKey: newKey(), paymentId, note },
    });
    return result;
  };
  return { merchant, operator, pay, decide };
}

/** A fresh Luhn-valid US Visa (BIN 424242; the sandbox approves any), so each test starts with a new card. */
function randomVisa(): string {
  const body = `424242${Array.from({ length: 9 }, () => Math.floor(Math.random() * 10)).join("")}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}

describe("risk decisions (Postgres velocity)", () => {
  let t: TestApp;
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null, velocityFallback: "postgres" });
    ctx = await setUp(t);
  });
  afterEach(async () => {
    await t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await t.close();
  });

  it("approves a quiet payment and stores the decision", async () => {
    const { payment, errors } = await ctx.pay({});
    expect(errors).toEqual([]);
    expect(payment).toMatchObject({ status: "CAPTURED", risk: { decision: "APPROVE", degraded: false } });
    expect(payment?.risk.score).toBeLessThan(40);
  });

  it("declines a denied e-mail before any PSP call", async () => {
    await t.app.services.riskListCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: ctx.merchant.id,
      list: "DENY",
      kind: "EMAIL",
      value: "fraudster@example.com",
      note: "chargebacks in October",
    });
    const attemptsBefore = await t.countRows("psp_attempts");
    const { payment, errors } = await ctx.pay({ customer: { email: "Fraudster@Example.com" } });
    expect(payment).toMatchObject({
      status: "DECLINED",
      failureCode: "fraud_suspected",
      risk: { decision: "DECLINE", score: 100 },
    });
    expect(payment?.risk.signals.map((s) => s.name)).toContain("deny_list");
    expect(JSON.stringify(payment?.risk)).not.toContain("fraudster@example.com");
    expect(errors.map((e) => e.code)).toEqual(["PAYMENT_DECLINED"]);
    expect(await t.countRows("psp_attempts")).toBe(attemptsBefore);
    expect(t.sandbox.authorizationsFor(payment?.id as string)).toBe(0);
    expect(payment?.events.map((e) => [e.type, e.newStatus])).toEqual([
      ["payment.created", "PENDING"],
      ["payment.declined", "DECLINED"],
    ]);
  });

  it("approves an allow-listed card that would otherwise be held", async () => {
    const card = randomVisa();
    const method = await t.tokenize(ctx.merchant.publishableKey, card);
    const fingerprint = await t.app.db.paymentMethod.findUniqueOrThrow({
      where: { id: method },
      select: { fingerprint: true },
    });
    await t.app.services.riskListCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: null,
      list: "ALLOW",
      kind: "FINGERPRINT",
      value: fingerprint.fingerprint,
      note: "known VIP",
    });
    const { payment } = await ctx.pay(GREY_ZONE, method);
    expect(payment).toMatchObject({ status: "CAPTURED", risk: { decision: "APPROVE" } });
    expect(payment?.risk.signals.map((s) => s.name)).toEqual(
      expect.arrayContaining(["allow_list", "country_mismatch"]),
    );
  });

  it("holds a grey-zone payment: authorized, not captured, nothing posted", async () => {
    const { payment, errors } = await ctx.pay(GREY_ZONE);
    expect(errors).toEqual([]);
    expect(payment).toMatchObject({
      status: "REQUIRES_REVIEW",
      amountCapturable: "150000",
      amountCaptured: "0",
      risk: { decision: "REVIEW" },
      ledgerEntries: [],
    });
    expect(payment?.risk.signals.map((s) => s.name)).toEqual(
      expect.arrayContaining(["country_mismatch", "first_use_large_amount"]),
    );
    expect(new Date(payment?.reviewExpiresAt as string).getTime()).toBeGreaterThan(Date.now());
    const charge = t.sandbox.charges().find((c) => c.reference === payment?.id);
    expect(charge).toMatchObject({ capturedMinor: 0n, voided: false });
  });

  it("sees a card as new at a merchant until its first payment there", async () => {
    const card = randomVisa();
    const method = await t.tokenize(ctx.merchant.publishableKey, card);
    const signals = (payment: Payment | null) => payment?.risk.signals.map((s) => s.name) ?? [];
    const large = { amount: "150000" };

    const first = await ctx.pay(large, method);
    expect(signals(first.payment)).toContain("first_use_large_amount");
    const second = await ctx.pay(large, method);
    expect(second.payment?.id).not.toBe(first.payment?.id);
    expect(signals(second.payment)).not.toContain("first_use_large_amount");
    const rows = await t.app.db.cardFirstUse.findMany({
      where: {
        merchantId: ctx.merchant.id,
        paymentId: { in: [first.payment?.id as string, second.payment?.id as string] },
      },
    });
    expect(rows.map((row) => row.paymentId)).toEqual([first.payment?.id]);

    // The same card is new at another merchant.
    const other = await setUp(t);
    const elsewhere = await other.pay(large, await t.tokenize(other.merchant.publishableKey, card));
    expect(signals(elsewhere.payment)).toContain("first_use_large_amount");
  });

  it("review then approve: an automatic-capture payment is captured and posted, the operator named", async () => {
    const held = (await ctx.pay(GREY_ZONE)).payment as Payment;
    const approved = await ctx.decide(APPROVE, "approvePaymentReview", held.id);
    const payment = approved.data?.approvePaymentReview?.payment;
    expect(approved.data?.approvePaymentReview?.errors).toEqual([]);
    expect(payment).toMatchObject({ status: "CAPTURED", amountCaptured: "150000", reviewExpiresAt: null });
    expect(payment?.ledgerEntries.map((e) => e.kind)).toEqual(["payment.captured"]);
    expect(payment?.events.map((e) => [e.type, e.newStatus, e.source])).toEqual([
      ["payment.created", "PENDING", "API"],
      ["payment.requires_review", "REQUIRES_REVIEW", "API"],
      ["review.approved", "AUTHORIZED", "OPERATOR"],
      ["payment.captured", "CAPTURED", "OPERATOR"],
    ]);
    const audit = await t.app.db.paymentEvent.findFirstOrThrow({
      where: { paymentId: held.id, type: "review.approved" },
    });
    expect(audit).toMatchObject({ actor: "operator:alice", data: { note: "checked with the customer" } });
    expect(t.sandbox.charges().find((c) => c.reference === held.id)?.capturedMinor).toBe(150000n);

    const again = await ctx.decide(APPROVE, "approvePaymentReview", held.id);
    expect(again.data?.approvePaymentReview?.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_IN_REVIEW"]);
  });

  it("review then approve: a manual-capture payment becomes AUTHORIZED", async () => {
    const held = (await ctx.pay({ ...GREY_ZONE, captureMethod: "MANUAL" })).payment as Payment;
    expect(held.status).toBe("REQUIRES_REVIEW");
    const approved = await ctx.decide(APPROVE, "approvePaymentReview", held.id);
    expect(approved.data?.approvePaymentReview?.payment).toMatchObject({
      status: "AUTHORIZED",
      amountCapturable: "150000",
      ledgerEntries: [],
    });
  });

  it("review then reject: the authorization is voided and the payment cancelled", async () => {
    const held = (await ctx.pay(GREY_ZONE)).payment as Payment;
    const rejected = await ctx.decide(
      REJECT,
      "rejectPaymentReview",
      held.id,
      ctx.operator.key,
      "stolen card reported",
    );
    expect(rejected.data?.rejectPaymentReview?.payment).toMatchObject({
      status: "CANCELLED",
      amountCapturable: "0",
      ledgerEntries: [],
    });
    expect(rejected.data?.rejectPaymentReview?.payment?.events.at(-1)).toMatchObject({
      type: "review.rejected",
      oldStatus: "REQUIRES_REVIEW",
      newStatus: "CANCELLED",
      source: "OPERATOR",
    });
    expect(t.sandbox.charges().find((c) => c.reference === held.id)?.voided).toBe(true);
  });

  it("keeps review decisions to operators", async () => {
    const held = (await ctx.pay(GREY_ZONE)).payment as Payment;
    const byMerchant = await ctx.decide(APPROVE, "approvePaymentReview", held.id, ctx.merchant.secretKey);
    expect(byMerchant.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await t.gql(null, APPROVE, { input: { idempotencyKey: newKey(), paymentId: held.id } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const operatorPaying = await t.gql(ctx.operator.key, CREATE, {
      input: { idempotencyKey: newKey(), amount: "1", currency: "USD", paymentMethodId: "pm_x" },
    });
    expect(operatorPaying.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const revoked = await t.app.services.operatorKeyCommands.create(TEST_FIXTURE_ACTOR, "mallory");
    await t.app.services.operatorKeyCommands.revoke(TEST_FIXTURE_ACTOR, revoked.id);
    const byRevoked = await ctx.decide(APPROVE, "approvePaymentReview", held.id, revoked.key);
    expect(byRevoked.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const still = await t.gql<{ payment: Payment }>(
      ctx.merchant.secretKey,
      `{ payment(id: "${held.id}") { status } }`,
    );
    expect(still.data?.payment.status).toBe("REQUIRES_REVIEW");
  });

  it("flags card testing: many small attempts with one card", async () => {
    const method = await t.tokenize(ctx.merchant.publishableKey, randomVisa());
    const results: Payload[] = [];
    for (let i = 0; i < 5; i++)
      results.push(await ctx.pay({ amount: "100", customer: { ipAddress: "81.2.69.142" } }, method));
    const last = results.at(-1)?.payment;
    expect(last?.risk.signals.map((s) => s.name)).toEqual(
      expect.arrayContaining(["card_testing", "card_velocity"]),
    );
    expect(["REQUIRES_REVIEW", "DECLINED"]).toContain(last?.status);
  });

  it("flags impossible travel: London then Mountain View a second later", async () => {
    const method = await t.tokenize(ctx.merchant.publishableKey, randomVisa());
    await ctx.pay({ customer: { ipAddress: "81.2.69.142" } }, method);
    const { payment } = await ctx.pay({ customer: { ipAddress: "8.8.8.8" } }, method);
    const travel = payment?.risk.signals.find((s) => s.name === "impossible_travel");
    expect(travel?.score).toBeGreaterThanOrEqual(90);
    expect(travel?.detail).toMatch(/km/);
    // Issue 22: the locations are sealed (the rule opened the previous one in the app); no clear coordinates.
    const stored = await t.app.sql.query<{
      geo_location: string | null;
      geo_latitude: number | null;
      geo_longitude: number | null;
    }>(
      `SELECT geo_location, geo_latitude, geo_longitude FROM payments
        WHERE payment_method_id = $1 ORDER BY created_at`,
      [method],
    );
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.geo_location).toMatch(/^pii1:/);
      expect([row.geo_latitude, row.geo_longitude]).toEqual([null, null]);
    }
  });

  it("still reads a previous location stored in clear before sealing began (not backfilled yet)", async () => {
    const method = await t.tokenize(ctx.merchant.publishableKey, randomVisa());
    const first = await ctx.pay({ customer: { ipAddress: "81.2.69.142" } }, method);
    // As an older release wrote it: London's coordinates in the clear columns, nothing sealed.
    await t.app.sql.transaction(async (tx) => {
      await tx.execute("SET LOCAL paycore.pii_maintenance = 'on'");
      await tx.execute(
        `UPDATE payments SET geo_location = NULL, geo_latitude = 51.5142, geo_longitude = -0.0931 WHERE id = $1`,
        [first.payment?.id],
      );
    });
    const { payment } = await ctx.pay({ customer: { ipAddress: "8.8.8.8" } }, method);
    expect(payment?.risk.signals.map((s) => s.name)).toContain("impossible_travel");
  });
});

describe("hold expiry", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ redisUrl: null, reviewHoldTtlMs: 50 });
  });
  afterAll(async () => {
    await t.close();
  });

  it("voids a hold nobody decided in time, in the name of the system", async () => {
    const ctx = await setUp(t);
    const held = (await ctx.pay(GREY_ZONE)).payment as Payment;
    expect(held.status).toBe("REQUIRES_REVIEW");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await t.app.services.commands.expireReviewHolds()).toEqual({ expired: 1, failed: 0 });
    const after = await t.gql<{ payment: Payment }>(
      ctx.merchant.secretKey,
      `{ payment(id: "${held.id}") { ${PAYMENT} } }`,
    );
    expect(after.data?.payment).toMatchObject({ status: "CANCELLED", reviewExpiresAt: null });
    expect(after.data?.payment.events.at(-1)).toMatchObject({ type: "review.expired", source: "SYSTEM" });
    expect(t.sandbox.charges().find((c) => c.reference === held.id)?.voided).toBe(true);
    expect(await t.app.services.commands.expireReviewHolds()).toEqual({ expired: 0, failed: 0 });
    const late = await ctx.decide(APPROVE, "approvePaymentReview", held.id);
    expect(late.data?.approvePaymentReview?.errors.map((e) => e.code)).toEqual(["PAYMENT_NOT_IN_REVIEW"]);
    await t.expectLedgerBalanced();
  });
});

describe("when velocity data is unavailable", () => {
  it("holds every payment for review under the review policy, and says it was degraded", async () => {
    const t = await createTestApp({ redisUrl: null, velocityFallback: "review" });
    try {
      const ctx = await setUp(t);
      const { payment } = await ctx.pay({});
      expect(payment).toMatchObject({
        status: "REQUIRES_REVIEW",
        risk: { decision: "REVIEW", degraded: true },
      });
      expect(payment?.risk.signals.map((s) => s.name)).toContain("velocity_unavailable");
      await t.expectLedgerBalanced();
    } finally {
      await t.close();
    }
  });

  const skip = redisServerAvailable() ? null : "redis-server is not installed";
  it.skipIf(skip !== null)(
    `falls back to Postgres counts when Redis dies${skip ? ` (skipped: ${skip})` : ""}`,
    async () => {
      const own: OwnRedis = await startOwnRedis();
      const t = await createTestApp({ redisUrl: own.url, velocityFallback: "postgres" });
      try {
        const ctx = await setUp(t);
        const method = await t.tokenize(ctx.merchant.publishableKey, randomVisa());
        await ctx.pay({}, method);
        await own.stop();
        const results: Payload[] = [];
        for (let i = 0; i < 4; i++) results.push(await ctx.pay({}, method));
        const sources = await t.app.db.riskAssessment.findMany({
          where: { payment: { paymentMethodId: method } },
          orderBy: { createdAt: "asc" },
          select: { velocitySource: true },
        });
        expect(sources.map((s) => s.velocitySource)).toEqual([
          "redis",
          "postgres",
          "postgres",
          "postgres",
          "postgres",
        ]);
        // Five payments with one card in ten minutes: counted across the outage.
        expect(results.at(-1)?.payment?.risk.signals.map((s) => s.name)).toContain("card_velocity");
        await t.expectLedgerBalanced();
      } finally {
        await t.close();
        await own.stop();
      }
    },
  );
});

describe("with Redis velocity counters", async () => {
  const redis = await findTestRedis();
  const skip = "skipReason" in redis ? redis.skipReason : null;
  describe.skipIf(skip !== null)(`sliding windows in Redis${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let t: TestApp;
    let merchant: TestMerchant;
    let ctx: Awaited<ReturnType<typeof setUp>>;
    beforeAll(async () => {
      t = await createTestApp({ redisUrl: "url" in redis ? redis.url : null });
      ctx = await setUp(t);
      merchant = ctx.merchant;
    });
    afterAll(async () => {
      await t.close();
    });

    it("counts concurrent payments of one card exactly and holds past the limit", async () => {
      const method = await t.tokenize(merchant.publishableKey, randomVisa());
      const results = await Promise.all(Array.from({ length: 6 }, () => ctx.pay({}, method)));
      const details = results.map(
        (r) => r.payment?.risk.signals.find((s) => s.name === "card_velocity")?.detail ?? "",
      );
      // Atomic counting: exactly the payments past the third see the signal, whatever the interleaving.
      expect(details.filter((d) => d.length > 0)).toHaveLength(3);
      const sources = await t.app.db.riskAssessment.findMany({
        where: { payment: { paymentMethodId: method } },
        select: { velocitySource: true },
      });
      expect(new Set(sources.map((s) => s.velocitySource))).toEqual(new Set(["redis"]));
      await t.expectLedgerBalanced();
    });

    it("flags impossible travel from the card's last location, which Redis holds sealed (issue 22)", async () => {
      const number = randomVisa();
      const method = await t.tokenize(merchant.publishableKey, number);
      await ctx.pay({ customer: { ipAddress: "81.2.69.142" } }, method);
      const { payment } = await ctx.pay({ customer: { ipAddress: "8.8.8.8" } }, method);
      expect(payment?.risk.signals.map((s) => s.name)).toContain("impossible_travel");
      const [row] = await t.app.sql.query<{ card_fingerprint: string }>(
        `SELECT card_fingerprint FROM payments WHERE id = $1`,
        [payment?.id],
      );
      const redisClient = t.app.redis;
      if (!redisClient || !row) throw new Error("expected Redis and the payment");
      const stored = await redisClient.hgetall(`loc:{TEST:card:${row.card_fingerprint}}`);
      expect(stored.lat).toMatch(/^pii1:/);
      expect(stored.lng).toBe("sealed");
      expect(JSON.stringify(stored)).not.toMatch(/37\.|-122\./);
    });
  });
});
