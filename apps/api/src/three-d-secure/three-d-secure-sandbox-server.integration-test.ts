// Goal: 3-D Secure with the sandbox server, through each PSP's own adapter (the Stripe SDK and the Adyen library):
// for the Stripe-style and the Adyen-style PSP, a frictionless card is authenticated and captured with its
// liability shift; a challenge card REQUIRES_ACTION with the challenge page on the sandbox's own origin; the
// customer completes it there and comes back, and paycore confirms with the PSP and authorizes once; a failed
// challenge declines; a tampered return is refused (paycore's signed return state names the payment; Adyen's
// opaque redirectResult is passed to /payments/details and must be this payment's); a completion call that gets
// no answer (fault injection) is resolved by the resolver; an abandoned challenge is cancelled at the PSP and here by the
// expiry command. The ledger balances after every scenario.
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const CARDS = {
  stripe: { frictionless: "4000000000003063", challenge: "4000000000003220" },
  adyen: { frictionless: "5201281505129736", challenge: "4212345678910006" },
} as const;

const FIELDS = `id status amountCaptured amountCapturable failureCode pspName pspReference
  threeDSecure { status flow version eci liabilityShift } nextAction { redirectUrl }`;
const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { ${FIELDS} } errors { code } }
}`;
const GET = `query($id: ID!) { payment(id: $id) { ${FIELDS} } }`;

interface Payment {
  id: string;
  status: string;
  failureCode: string | null;
  pspName: string;
  pspReference: string;
  threeDSecure: Record<string, unknown> | null;
  nextAction: { redirectUrl: string } | null;
}

let sandbox: SandboxHandle;
let t: TestApp;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 41 });
  // A 1 ms deadline: every challenge is abandoned as soon as the expiry command runs (it never runs on its own).
  t = await createTestApp({ pspSandboxUrl: sandbox.url, threeDSecureActionTtlMs: 1 });
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});
afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

describe.each(["stripe", "adyen"] as const)("3-D Secure at the %s-style sandbox", (psp) => {
  let merchant: TestMerchant;
  beforeAll(async () => {
    merchant = await t.createMerchant();
    await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
      merchantId: merchant.id,
      priority: 1,
      match: { currencies: ["EUR"] },
      pspNames: [psp],
    });
  });

  const pay = async (number: string, captureMethod = "AUTOMATIC") => {
    const paymentMethodId = await t.tokenize(merchant.publishableKey, number);
    const result = await t.gql<{ createPayment: { payment: Payment } }>(merchant.secretKey, CREATE, {
      input: { idempotencyKey: newKey(), amount: "1999", currency: "EUR", paymentMethodId, captureMethod },
    });
    const payment = result.data?.createPayment.payment as Payment;
    expect(payment.pspName).toBe(psp);
    return payment;
  };
  const read = async (id: string) =>
    (await t.gql<{ payment: Payment }>(merchant.secretKey, GET, { id })).data?.payment as Payment;
  /** The customer on the sandbox's challenge page (its own origin, over loopback HTTP). */
  const challenge = async (url: string, result: "authenticated" | "failed") => {
    expect(url.startsWith(`${sandbox.url}/3ds/challenge/${psp}/`)).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Complete authentication");
    const pressed = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `result=${result}`,
      redirect: "manual",
    });
    expect(pressed.status).toBe(303);
    return pressed.headers.get("location") as string;
  };

  it("authenticates a frictionless card with its liability shift", async () => {
    const payment = await pay(CARDS[psp].frictionless);
    expect(payment.threeDSecure).toMatchObject({
      status: "AUTHENTICATED",
      flow: "FRICTIONLESS",
      version: "2.2.0",
      liabilityShift: true,
    });
    // Adyen captures by notification (none here): it is authorized now, captured later.
    expect(["CAPTURED", "AUTHORIZED"]).toContain(payment.status);
  });

  it("completes a challenge on the sandbox's page and authorizes once, confirmed with the PSP", async () => {
    const payment = await pay(CARDS[psp].challenge, "MANUAL");
    expect(payment.status).toBe("REQUIRES_ACTION");
    const back = await challenge(payment.nextAction?.redirectUrl as string, "authenticated");
    // Paycore's own signed state names the payment; Adyen's return carries an opaque redirectResult, never
    // the PSP reference.
    const returned = new URL(back);
    expect(returned.pathname).toMatch(new RegExp(`^/three-d-secure/return/${payment.id}/[0-9a-f]{32}$`));
    if (psp === "adyen") {
      expect(returned.searchParams.get("redirectResult")).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(back).not.toContain(payment.pspReference);
    } else {
      expect(returned.searchParams.get("payment_intent")).toBe(payment.pspReference);
    }
    const [first, second] = await Promise.all([
      t.app.http.fetch(back, { redirect: "manual" }),
      t.app.http.fetch(back, { redirect: "manual" }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const after = await read(payment.id);
    expect(after).toMatchObject({
      status: "AUTHORIZED",
      nextAction: null,
      threeDSecure: { status: "AUTHENTICATED", flow: "CHALLENGE", liabilityShift: true },
    });
    const charges = sandbox.charges().filter((charge) => charge.reference === payment.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]?.authorizedMinor).toBe(1999n);
  });

  it("declines a failed challenge, and refuses a tampered return", async () => {
    const payment = await pay(CARDS[psp].challenge);
    const tampered = await t.app.http.fetch(
      `http://127.0.0.1/three-d-secure/return/${payment.id}?pspReference=forged&payment_intent=forged`,
      { redirect: "manual" },
    );
    expect(tampered.status).toBe(400);
    expect((await read(payment.id)).status).toBe("REQUIRES_ACTION");
    const back = await challenge(payment.nextAction?.redirectUrl as string, "failed");
    expect((await t.app.http.fetch(back, { redirect: "manual" })).status).toBe(200);
    expect(await read(payment.id)).toMatchObject({
      status: "DECLINED",
      failureCode: "authentication_failed",
      threeDSecure: { status: "FAILED", liabilityShift: false },
    });
  });

  it("refuses a return whose signed state is not the payment's, or whose redirect result is another payment's", async () => {
    const first = await pay(CARDS[psp].challenge);
    const second = await pay(CARDS[psp].challenge);
    const firstBack = new URL(await challenge(first.nextAction?.redirectUrl as string, "authenticated"));
    const secondBack = new URL(await challenge(second.nextAction?.redirectUrl as string, "authenticated"));
    // The first payment's state on the second payment's path: refused before the PSP is asked.
    const stateOfFirst = firstBack.pathname.split("/").at(-1) as string;
    const swapped = `http://127.0.0.1/three-d-secure/return/${second.id}/${stateOfFirst}${secondBack.search}`;
    const refused = await t.app.http.fetch(swapped, { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('data-error-code="THREE_D_SECURE_RETURN_MISMATCH"');
    // A state made up for the payment: refused as well.
    const forged = `http://127.0.0.1/three-d-secure/return/${second.id}/${"0".repeat(32)}${secondBack.search}`;
    expect((await t.app.http.fetch(forged, { redirect: "manual" })).status).toBe(400);
    expect((await read(second.id)).status).toBe("REQUIRES_ACTION");
    if (psp === "adyen") {
      // The first payment's own signed return carrying the second's redirect result: Adyen's answer is about
      // the second payment, so nothing is recorded on the first.
      const mixed = `${firstBack.origin}${firstBack.pathname}${secondBack.search}`;
      const mismatch = await t.app.http.fetch(mixed, { redirect: "manual" });
      expect(mismatch.status).toBe(400);
      expect(await mismatch.text()).toContain('data-error-code="THREE_D_SECURE_RETURN_MISMATCH"');
      expect((await read(first.id)).status).toBe("REQUIRES_ACTION");
    }
    // Each genuine return still completes its own payment, once.
    for (const [payment, back] of [
      [first, firstBack],
      [second, secondBack],
    ] as const) {
      expect((await t.app.http.fetch(back.toString(), { redirect: "manual" })).status).toBe(200);
      // Automatic capture: Stripe captures at once, Adyen by notification (none here).
      expect(["CAPTURED", "AUTHORIZED"]).toContain((await read(payment.id)).status);
    }
    for (const payment of [first, second]) {
      expect(sandbox.charges().filter((charge) => charge.reference === payment.id)).toHaveLength(1);
    }
  });

  it("a completion call that gets no answer is resolved by the resolver: asked of the PSP, authorized once", async () => {
    const payment = await pay(CARDS[psp].challenge, "MANUAL");
    const back = await challenge(payment.nextAction?.redirectUrl as string, "authenticated");
    // Fault injection. Stripe-style: the PaymentIntent is read but the answer never arrives (processed, then
    // held past our timeout). Adyen-style: the connection closes without an answer (a /payments/details whose
    // answer is merely held is replayed to our retry under the same key, so it would not stay unknown).
    sandbox.setFaults(psp, psp === "stripe" ? { timeoutRate: 1 } : { down: true });
    let returned: Response;
    try {
      returned = await t.app.http.fetch(back, { redirect: "manual" });
    } finally {
      sandbox.clearFaults();
    }
    expect(returned.status).toBe(200);
    const waiting = await t.app.db.payment.findUniqueOrThrow({
      where: { id: payment.id },
      select: { status: true, pendingOperation: true },
    });
    // Still waiting, and marked: the claim taken before the call stays while its outcome is unknown.
    expect(waiting).toEqual({ status: "REQUIRES_ACTION", pendingOperation: "AUTHORIZE" });
    const swept = await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 0 });
    expect(swept.resolved).toBeGreaterThanOrEqual(1);
    expect(await read(payment.id)).toMatchObject({
      status: "AUTHORIZED",
      nextAction: null,
      threeDSecure: { status: "AUTHENTICATED", flow: "CHALLENGE", liabilityShift: true },
    });
    // Claim, call, record: each ask of the PSP was preceded by its recorded claim.
    const events = await t.app.db.paymentEvent.findMany({
      where: { paymentId: payment.id },
      orderBy: { id: "asc" },
      select: { type: true, data: true },
    });
    const trail = events
      .map((event) => event.type)
      .filter((type) => type.startsWith("payment.authentication") || type === "payment.authorized");
    expect(trail).toEqual([
      "payment.authentication_checked",
      "payment.authentication_unknown",
      "payment.authentication_checked",
      "payment.authorized",
    ]);
    expect(
      events
        .filter((e) => e.type === "payment.authentication_checked")
        .map((e) => (e.data as { by: string }).by),
    ).toEqual(["return", "resolver"]);
    // Once: one charge, authorized for the amount; a later pass and the customer's second return change nothing.
    const charges = sandbox.charges().filter((charge) => charge.reference === payment.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]?.authorizedMinor).toBe(1999n);
    await t.app.services.commands.resolveUnknownOutcomes({ staleAfterMs: 0 });
    expect((await t.app.http.fetch(back, { redirect: "manual" })).status).toBe(200);
    expect((await read(payment.id)).status).toBe("AUTHORIZED");
  });

  it("cancels an abandoned challenge at the PSP and here", async () => {
    const payment = await pay(CARDS[psp].challenge);
    const swept = await t.app.services.commands.expireAbandonedActions();
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    expect(await read(payment.id)).toMatchObject({
      status: "CANCELLED",
      threeDSecure: { status: "ABANDONED" },
    });
  });
});
