// Checks the in-process sandbox PSP: test-card outcomes from the shared card table, idempotent replays,
// capture/void/refund limits and its charge book.
import type { AuthorizeRequest, PaymentServiceProvider, PspOutcome } from "@paycore/core/psp/psp-port";
import { describe, expect, expectTypeOf, it } from "vitest";
import { SandboxPsp } from "./sandbox-psp";
import { SANDBOX_CARDS, type SandboxCardOutcome } from "./test-cards";

let keyCounter = 0;
function key(): string {
  keyCounter += 1;
  return `key-${keyCounter}`;
}

function authorizeRequest(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    idempotencyKey: key(),
    reference: "pay_1",
    amountMinor: 1000n,
    currency: "USD",
    card: { number: "4242424242424242", expMonth: 12, expYear: 2030 },
    capture: false,
    ...overrides,
  };
}

function referenceOf(outcome: PspOutcome): string {
  if (outcome.outcome !== "succeeded") throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  return outcome.pspReference;
}

async function authorized(psp: SandboxPsp, overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
  return referenceOf(await psp.authorize(authorizeRequest(overrides)));
}

describe("the port", () => {
  it("is implemented by the sandbox", () => {
    expectTypeOf<SandboxPsp>().toExtend<PaymentServiceProvider>();
    const psp: PaymentServiceProvider = new SandboxPsp();
    expect(psp.name).toBe("sandbox");
  });
});

/** What the in-process sandbox answers for a card of the table (network scenarios approve in process). */
function expectedOutcome(outcome: SandboxCardOutcome): { outcome: string; code: string | null } {
  if (outcome.kind === "decline") return { outcome: "declined", code: outcome.code };
  if (outcome.kind === "processing_error") return { outcome: "failed", code: "processing_error" };
  if (outcome.kind === "three_d_secure") {
    if (outcome.flow === "challenge") return { outcome: "requires_action", code: null };
    if (outcome.flow === "frictionless_failed") return { outcome: "declined", code: "authentication_failed" };
  }
  return { outcome: "succeeded", code: null };
}

describe("3-D Secure", () => {
  const challengeCard = { number: "4000002760003184", expMonth: 12, expYear: 2030 };
  const started = async (psp: SandboxPsp, capture = false) => {
    const result = await psp.authorize(
      authorizeRequest({ card: challengeCard, capture, returnUrl: "https://shop.example/r?x=1" }),
    );
    if (result.outcome !== "requires_action") throw new Error(`expected a challenge, got ${result.outcome}`);
    return result;
  };
  const complete = (psp: SandboxPsp, pspReference: string) =>
    psp.completeAuthentication({ idempotencyKey: key(), pspReference, reference: "pay_1" });

  it("holds a challenge until the customer decides, then authorizes once", async () => {
    const psp = new SandboxPsp({ challengeUrlBase: "http://127.0.0.1:1/challenge/" });
    const asked = await started(psp, true);
    expect(asked.redirectUrl).toBe(`http://127.0.0.1:1/challenge/${asked.pspReference}`);
    expect(asked.threeDSecure).toMatchObject({ status: "CHALLENGE_REQUIRED", liabilityShift: false });
    expect((await complete(psp, asked.pspReference)).outcome).toBe("requires_action");
    const back = psp.completeChallenge(asked.pspReference, "authenticated");
    expect(back).toBe(`https://shop.example/r?x=1&pspReference=${asked.pspReference}`);
    const first = await complete(psp, asked.pspReference);
    const second = await complete(psp, asked.pspReference);
    expect(first).toMatchObject({
      outcome: "succeeded",
      threeDSecure: { status: "AUTHENTICATED", flow: "CHALLENGE", eci: "05", liabilityShift: true },
    });
    expect(second).toEqual(first);
    expect(psp.charges()[0]).toMatchObject({ capturedMinor: 1000n });
  });

  it("declines a failed challenge; a decided challenge cannot be changed", async () => {
    const psp = new SandboxPsp();
    const asked = await started(psp);
    psp.completeChallenge(asked.pspReference, "failed");
    psp.completeChallenge(asked.pspReference, "authenticated");
    expect(await complete(psp, asked.pspReference)).toMatchObject({
      outcome: "declined",
      code: "authentication_failed",
      threeDSecure: { status: "FAILED", liabilityShift: false },
    });
  });

  it("refuses a completion for another payment, and a cancelled challenge", async () => {
    const psp = new SandboxPsp();
    const asked = await started(psp);
    const other = await psp.completeAuthentication({
      idempotencyKey: key(),
      pspReference: asked.pspReference,
      reference: "pay_other",
    });
    expect(other.outcome).toBe("failed");
    await psp.void({ idempotencyKey: key(), pspReference: asked.pspReference, currency: "USD" });
    expect(psp.completeChallenge(asked.pspReference, "authenticated")).toBeNull();
    expect((await complete(psp, asked.pspReference)).outcome).toBe("failed");
  });

  it("needs a return URL for a challenge", async () => {
    const result = await new SandboxPsp().authorize(authorizeRequest({ card: challengeCard }));
    expect(result).toMatchObject({ outcome: "failed", code: "return_url_required" });
  });
});

describe("authorize", () => {
  it.each(SANDBOX_CARDS.map((card) => [card.number, expectedOutcome(card.outcome)] as const))(
    "card %s -> %o",
    async (number, { outcome, code }) => {
      const psp = new SandboxPsp();
      const result = await psp.authorize(
        authorizeRequest({
          card: { number, expMonth: 1, expYear: 2030 },
          returnUrl: "https://shop.example/return",
        }),
      );
      expect(result.outcome).toBe(outcome);
      if (result.outcome === "succeeded" || result.outcome === "requires_action") {
        expect(result.pspReference).toMatch(/^sbx_ch_[0-9a-f]+$/);
        expect(psp.charges()).toHaveLength(1);
      } else {
        expect(psp.charges()).toHaveLength(0);
      }
      if (result.outcome === "declined" || result.outcome === "failed") {
        expect(result.code).toBe(code);
      }
      if (result.outcome === "failed") {
        expect(result.retryable).toBe(true);
      }
      expect(psp.stats.authorizations).toBe(1);
    },
  );

  it.each([
    ["another Luhn-valid number approves", "4111111111111111", "succeeded"],
    ["a Luhn-invalid number is declined", "4242424242424241", "declined"],
  ])("%s", async (_label, number, outcome) => {
    const result = await new SandboxPsp().authorize(
      authorizeRequest({ card: { number, expMonth: 1, expYear: 2030 } }),
    );
    expect(result.outcome).toBe(outcome);
  });

  it("records an uncaptured authorization and a captured sale", async () => {
    const psp = new SandboxPsp();
    const auth = await authorized(psp, { reference: "pay_a" });
    const sale = await authorized(psp, { reference: "pay_b", capture: true, amountMinor: 700n });
    expect(await psp.status(auth)).toEqual({
      state: "authorized",
      amountCapturedMinor: 0n,
      amountRefundedMinor: 0n,
    });
    expect(await psp.status(sale)).toEqual({
      state: "captured",
      amountCapturedMinor: 700n,
      amountRefundedMinor: 0n,
    });
    expect(psp.charges()).toEqual([
      {
        pspReference: auth,
        reference: "pay_a",
        amountMinor: 1000n,
        currency: "USD",
        capturedMinor: 0n,
        refundedMinor: 0n,
        voided: false,
      },
      {
        pspReference: sale,
        reference: "pay_b",
        amountMinor: 700n,
        currency: "USD",
        capturedMinor: 700n,
        refundedMinor: 0n,
        voided: false,
      },
    ]);
  });

  it.each([
    ["zero amount", { amountMinor: 0n }, "amount_invalid"],
    ["lower-case currency", { currency: "usd" }, "currency_invalid"],
  ] as [string, Partial<AuthorizeRequest>, string][])("fails on %s", async (_label, overrides, code) => {
    const result = await new SandboxPsp().authorize(authorizeRequest(overrides));
    expect(result).toMatchObject({ outcome: "failed", code });
  });
});

describe("idempotency", () => {
  it("remembers a bounded number of charges and results: the oldest go first", async () => {
    const psp = new SandboxPsp({ maxRemembered: 3 });
    const requests = Array.from({ length: 5 }, (_, i) => authorizeRequest({ reference: `pay_${i}` }));
    for (const request of requests) await psp.authorize(request);
    expect(psp.charges().map((charge) => charge.reference)).toEqual(["pay_2", "pay_3", "pay_4"]);
    expect(psp.authorizationsFor("pay_0")).toBe(0);
    // A recent key still replays; a forgotten one is performed again.
    await psp.authorize(requests[4] as AuthorizeRequest);
    expect(psp.stats.authorizations).toBe(5);
    await psp.authorize(requests[0] as AuthorizeRequest);
    expect(psp.stats.authorizations).toBe(6);
  });

  it("replays an authorization for the same key without charging again", async () => {
    const psp = new SandboxPsp();
    const request = authorizeRequest({ reference: "pay_x" });
    const first = await psp.authorize(request);
    const second = await psp.authorize({ ...request });
    expect(second).toEqual(first);
    expect(psp.stats.authorizations).toBe(1);
    expect(psp.authorizationsFor("pay_x")).toBe(1);
    expect(psp.charges()).toHaveLength(1);
  });

  it("replays concurrent duplicates as one operation", async () => {
    const psp = new SandboxPsp({ latencyMs: 5 });
    const request = authorizeRequest({ reference: "pay_c" });
    const results = await Promise.all([
      psp.authorize(request),
      psp.authorize(request),
      psp.authorize(request),
    ]);
    expect(new Set(results.map(referenceOf)).size).toBe(1);
    expect(psp.authorizationsFor("pay_c")).toBe(1);
  });

  it("replays declines and failures too", async () => {
    const psp = new SandboxPsp();
    const request = authorizeRequest({ card: { number: "4000000000000119", expMonth: 1, expYear: 2030 } });
    await psp.authorize(request);
    await psp.authorize(request);
    expect(psp.stats.authorizations).toBe(1);
  });

  it("replays captures and refunds without moving money twice", async () => {
    const psp = new SandboxPsp();
    const charge = await authorized(psp);
    const capture = { idempotencyKey: key(), pspReference: charge, amountMinor: 1000n, currency: "USD" };
    expect(referenceOf(await psp.capture(capture))).toBe(charge);
    expect(referenceOf(await psp.capture(capture))).toBe(charge);
    const refund = { idempotencyKey: key(), pspReference: charge, amountMinor: 300n, currency: "USD" };
    const refundRef = referenceOf(await psp.refund(refund));
    expect(refundRef).toMatch(/^sbx_re_[0-9a-f]+$/);
    expect(referenceOf(await psp.refund(refund))).toBe(refundRef);
    expect(psp.stats).toEqual({ authorizations: 1, captures: 1, voids: 0, refunds: 1 });
    expect(await psp.status(charge)).toEqual({
      state: "partially_refunded",
      amountCapturedMinor: 1000n,
      amountRefundedMinor: 300n,
    });
  });

  it.each([
    ["a different operation", "capture"],
    ["different parameters", "authorize"],
  ])("rejects a key reused for %s", async (_label, operation) => {
    const psp = new SandboxPsp();
    const request = authorizeRequest();
    const charge = referenceOf(await psp.authorize(request));
    const result =
      operation === "capture"
        ? await psp.capture({
            idempotencyKey: request.idempotencyKey,
            pspReference: charge,
            amountMinor: 1n,
            currency: "USD",
          })
        : await psp.authorize({ ...request, amountMinor: 999n });
    expect(result).toMatchObject({ outcome: "failed", code: "idempotency_key_reused", retryable: false });
    expect(psp.stats).toEqual({ authorizations: 1, captures: 0, voids: 0, refunds: 0 });
  });
});

describe("capture, void and refund rules", () => {
  it.each([
    ["a partial capture", 600n, "succeeded", null],
    ["the full amount", 1000n, "succeeded", null],
    ["more than authorized", 1001n, "failed", "amount_too_large"],
    ["zero", 0n, "failed", "amount_invalid"],
  ])("capturing %s -> %s", async (_label, amountMinor, outcome, code) => {
    const psp = new SandboxPsp();
    const charge = await authorized(psp);
    const result = await psp.capture({
      idempotencyKey: key(),
      pspReference: charge,
      amountMinor,
      currency: "USD",
    });
    expect(result.outcome).toBe(outcome);
    if (code) expect(result).toMatchObject({ code });
  });

  it("allows one capture per authorization", async () => {
    const psp = new SandboxPsp();
    const charge = await authorized(psp);
    await psp.capture({ idempotencyKey: key(), pspReference: charge, amountMinor: 400n, currency: "USD" });
    const second = await psp.capture({
      idempotencyKey: key(),
      pspReference: charge,
      amountMinor: 100n,
      currency: "USD",
    });
    expect(second).toMatchObject({ outcome: "failed", code: "charge_already_captured" });
    expect(psp.charges()[0]?.capturedMinor).toBe(400n);
  });

  it("fails a capture after a void and a void after a capture", async () => {
    const psp = new SandboxPsp();
    const voided = await authorized(psp);
    referenceOf(await psp.void({ idempotencyKey: key(), pspReference: voided, currency: "USD" }));
    expect(await psp.status(voided)).toMatchObject({ state: "voided" });
    expect(
      await psp.capture({ idempotencyKey: key(), pspReference: voided, amountMinor: 1n, currency: "USD" }),
    ).toMatchObject({ outcome: "failed", code: "charge_voided" });
    expect(await psp.void({ idempotencyKey: key(), pspReference: voided, currency: "USD" })).toMatchObject({
      outcome: "failed",
    });

    const captured = await authorized(psp, { capture: true });
    expect(await psp.void({ idempotencyKey: key(), pspReference: captured, currency: "USD" })).toMatchObject({
      outcome: "failed",
      code: "charge_already_captured",
    });
  });

  it("limits refunds to what was captured and not yet refunded", async () => {
    const psp = new SandboxPsp();
    const charge = await authorized(psp, { capture: true });
    const refund = (amountMinor: bigint) =>
      psp.refund({ idempotencyKey: key(), pspReference: charge, amountMinor, currency: "USD" });
    expect((await refund(600n)).outcome).toBe("succeeded");
    expect(await refund(401n)).toMatchObject({ outcome: "failed", code: "amount_too_large" });
    expect((await refund(400n)).outcome).toBe("succeeded");
    expect(await refund(1n)).toMatchObject({ outcome: "failed", code: "amount_too_large" });
    expect(await psp.status(charge)).toEqual({
      state: "refunded",
      amountCapturedMinor: 1000n,
      amountRefundedMinor: 1000n,
    });
  });

  it.each([
    ["an uncaptured charge", false, "USD", "charge_not_captured"],
    ["another currency", true, "EUR", "currency_mismatch"],
  ])("fails a refund of %s", async (_label, capture, currency, code) => {
    const psp = new SandboxPsp();
    const charge = await authorized(psp, { capture });
    const result = await psp.refund({
      idempotencyKey: key(),
      pspReference: charge,
      amountMinor: 1n,
      currency,
    });
    expect(result).toMatchObject({ outcome: "failed", code });
  });

  it.each(["capture", "void", "refund"] as const)(
    "%s on an unknown reference is resource_missing",
    async (operation) => {
      const psp = new SandboxPsp();
      const request = {
        idempotencyKey: key(),
        pspReference: "sbx_ch_nope",
        amountMinor: 1n,
        currency: "USD",
      };
      const result = operation === "void" ? await psp.void(request) : await psp[operation](request);
      expect(result).toMatchObject({ outcome: "failed", code: "resource_missing", retryable: false });
    },
  );

  it("reports not_found for an unknown reference", async () => {
    expect(await new SandboxPsp().status("sbx_ch_nope")).toEqual({
      state: "not_found",
      amountCapturedMinor: 0n,
      amountRefundedMinor: 0n,
    });
  });
});

describe("fault injection", () => {
  it("loses a request before processing: nothing happens and a retry performs it", async () => {
    const psp = new SandboxPsp();
    psp.injectFault("authorize", "timeout_before_processing");
    const request = authorizeRequest({ reference: "pay_f" });
    expect((await psp.authorize(request)).outcome).toBe("unknown");
    expect(psp.authorizationsFor("pay_f")).toBe(0);
    expect((await psp.authorize(request)).outcome).toBe("succeeded");
    expect(psp.authorizationsFor("pay_f")).toBe(1);
  });

  it("loses an answer after processing: the retry with the same key replays the real outcome", async () => {
    const psp = new SandboxPsp();
    psp.injectFault("authorize", "timeout_after_processing");
    const request = authorizeRequest({ reference: "pay_g" });
    expect((await psp.authorize(request)).outcome).toBe("unknown");
    expect(psp.charges()).toHaveLength(1);
    const retry = await psp.authorize(request);
    expect(referenceOf(retry)).toBe(psp.charges()[0]?.pspReference);
    expect(psp.authorizationsFor("pay_g")).toBe(1);
  });
});

describe("latency", () => {
  it("waits before answering", async () => {
    const psp = new SandboxPsp({ latencyMs: 30 });
    const started = performance.now();
    await psp.authorize(authorizeRequest());
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe("acknowledged modifications and their lookup", () => {
  it.each([
    ["capture", false],
    ["void", false],
    ["refund", true],
  ] as const)(
    "%s: acknowledged only (pending), then found decided by its key",
    async (operation, capture) => {
      const psp = new SandboxPsp({ acknowledgeModifications: true });
      const pspReference = await authorized(psp, { capture });
      const idempotencyKey = key();
      const request = { idempotencyKey, pspReference, amountMinor: 500n, currency: "USD" };
      const answer =
        operation === "capture"
          ? await psp.capture(request)
          : operation === "void"
            ? await psp.void(request)
            : await psp.refund(request);
      expect(answer).toEqual({ outcome: "pending", pspReference });
      const looked = await psp.lookupModification({
        operation,
        idempotencyKey,
        paymentPspReference: pspReference,
        modificationReference: null,
      });
      expect(looked.outcome).toBe("succeeded");
    },
  );

  it("a modification it never received is unknown; a lost lookup is unknown, and the next one answers", async () => {
    const psp = new SandboxPsp({ acknowledgeModifications: true });
    const never = { operation: "refund", idempotencyKey: key(), paymentPspReference: "sbx_ch_none" } as const;
    expect((await psp.lookupModification({ ...never, modificationReference: null })).outcome).toBe("unknown");

    const pspReference = await authorized(psp, { capture: true });
    const idempotencyKey = key();
    await psp.refund({ idempotencyKey, pspReference, amountMinor: 500n, currency: "USD" });
    const query = {
      operation: "refund",
      idempotencyKey,
      paymentPspReference: pspReference,
      modificationReference: null,
    } as const;
    psp.injectFault("lookup", "timeout_before_processing");
    expect((await psp.lookupModification(query)).outcome).toBe("unknown");
    expect((await psp.lookupModification(query)).outcome).toBe("succeeded");
  });
});
