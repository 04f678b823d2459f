// Goal: 3-D Secure through the API with the in-process sandbox PSP (the sandbox server's flow is in
// three-d-secure-sandbox-server.integration-test.ts). A frictionless card is authenticated and captured at once
// with its liability shift recorded; a challenge card REQUIRES_ACTION with nextAction, the customer completes
// (or fails) the challenge on the sandbox's page and returns to paycore, which confirms the outcome with the PSP
// and authorizes (or declines) exactly once, however often the return is repeated; a frictionless refusal is
// declined at once. A tampered return (another payment's reference), a return for a payment that never asked for
// authentication and an unknown payment are refused with typed errors and write nothing. An abandoned challenge
// is cancelled by the expiry command the worker runs (triggered here, with a 1 ms deadline, not waited for).
// The ledger balances after every scenario.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../testing/test-app";

const FRICTIONLESS = "4000000000003063";
const CHALLENGE = "4000002760003184";
const CHALLENGE_2 = "4000000000003220";
const REFUSED = "4000009900000111";
const PLAIN = "4242424242424242";

const PAYMENT_FIELDS = `id status amountCaptured amountCapturable failureCode pspReference
  threeDSecure { status flow version eci liabilityShift } nextAction { type redirectUrl expiresAt }
  events { type newStatus }`;
const CREATE = `mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { payment { ${PAYMENT_FIELDS} } errors { code field } }
}`;
const GET = `query($id: ID!) { payment(id: $id) { ${PAYMENT_FIELDS} } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  amountCapturable: string;
  failureCode: string | null;
  pspReference: string | null;
  threeDSecure: {
    status: string;
    flow: string;
    version: string;
    eci: string | null;
    liabilityShift: boolean;
  } | null;
  nextAction: { type: string; redirectUrl: string; expiresAt: string | null } | null;
  events: { type: string; newStatus: string | null }[];
}

function scenario(options: { ttlMs?: number } = {}) {
  let t: TestApp;
  let merchant: TestMerchant;
  const setup = async () => {
    t = await createTestApp({
      redisUrl: null,
      ...(options.ttlMs === undefined ? {} : { threeDSecureActionTtlMs: options.ttlMs }),
    });
    merchant = await t.createMerchant();
  };
  const pay = async (number: string, input: Record<string, unknown> = {}) => {
    const paymentMethodId = await t.tokenize(merchant.publishableKey, number);
    const result = await t.gql<{ createPayment: { payment: Payment; errors: { code: string }[] } }>(
      merchant.secretKey,
      CREATE,
      {
        input: {
          idempotencyKey: newKey(),
          amount: "2500",
          currency: "EUR",
          paymentMethodId,
          captureMethod: "AUTOMATIC",
          ...input,
        },
      },
    );
    expect(result.errors).toBeUndefined();
    return result.data?.createPayment as { payment: Payment; errors: { code: string }[] };
  };
  const read = async (id: string) =>
    (await t.gql<{ payment: Payment }>(merchant.secretKey, GET, { id })).data?.payment as Payment;
  /** The customer on the sandbox's challenge page: GET it, then press one button; answers where it sends them. */
  const challenge = async (redirectUrl: string, result: "authenticated" | "failed") => {
    const shown = await t.app.http.fetch(redirectUrl);
    expect(shown.status).toBe(200);
    const html = await shown.text();
    expect(html).toContain("Complete authentication");
    expect(html).toContain("Fail authentication");
    expect(html).not.toContain("<script");
    const pressed = await t.app.http.fetch(redirectUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `result=${result}`,
      redirect: "manual",
    });
    expect(pressed.status).toBe(303);
    return pressed.headers.get("location") as string;
  };
  const followReturn = (url: string) => t.app.http.fetch(url, { redirect: "manual" });
  return {
    setup,
    pay,
    read,
    challenge,
    followReturn,
    get t() {
      return t;
    },
  };
}

describe("3-D Secure with the in-process sandbox", () => {
  const s = scenario();
  beforeAll(() => s.setup());
  afterEach(async () => {
    await s.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await s.t?.close();
  });

  it("authenticates a frictionless card and captures at once, with the liability shift", async () => {
    const { payment, errors } = await s.pay(FRICTIONLESS);
    expect(errors).toEqual([]);
    expect(payment).toMatchObject({
      status: "CAPTURED",
      amountCaptured: "2500",
      nextAction: null,
      threeDSecure: {
        status: "AUTHENTICATED",
        flow: "FRICTIONLESS",
        version: "2.2.0",
        eci: "05",
        liabilityShift: true,
      },
    });
  });

  it("asks for a challenge, then authorizes once the customer completed it, whatever the repeated returns", async () => {
    const { payment } = await s.pay(CHALLENGE, {
      captureMethod: "MANUAL",
      returnUrl: "https://shop.example/after-3ds?order=7",
    });
    expect(payment.status).toBe("REQUIRES_ACTION");
    expect(payment.threeDSecure).toMatchObject({ status: "CHALLENGE_REQUIRED", flow: "CHALLENGE" });
    expect(payment.nextAction?.type).toBe("REDIRECT_TO_URL");
    expect(payment.nextAction?.redirectUrl).toMatch(/\/sandbox\/3ds\/challenge\/sbx_ch_[0-9a-f]{24}$/);
    expect(payment.nextAction?.expiresAt).not.toBeNull();
    expect(payment.events.map((event) => event.type)).toContain("payment.requires_action");

    const back = await s.challenge(payment.nextAction?.redirectUrl as string, "authenticated");
    // Paycore's own signed state names the payment in the return URL it gave the PSP.
    expect(back).toMatch(
      new RegExp(
        `^http://127\\.0\\.0\\.1/three-d-secure/return/${payment.id}/[0-9a-f]{32}\\?pspReference=${payment.pspReference}$`,
      ),
    );
    const returned = await s.followReturn(back);
    expect(returned.status).toBe(303);
    expect(returned.headers.get("location")).toBe(
      `https://shop.example/after-3ds?order=7&payment_id=${payment.id}`,
    );
    // The customer reloads, the browser repeats: each return finds it decided and changes nothing.
    const again = await Promise.all([s.followReturn(back), s.followReturn(back)]);
    expect(again.map((response) => response.status)).toEqual([303, 303]);

    const after = await s.read(payment.id);
    expect(after).toMatchObject({
      status: "AUTHORIZED",
      amountCapturable: "2500",
      nextAction: null,
      threeDSecure: { status: "AUTHENTICATED", flow: "CHALLENGE", eci: "05", liabilityShift: true },
    });
    expect(after.events.filter((event) => event.newStatus === "AUTHORIZED")).toHaveLength(1);
    expect(s.t.sandbox.authorizationsFor(payment.id)).toBe(1);
  });

  it("captures a challenged automatic-capture payment once the challenge succeeds", async () => {
    const { payment } = await s.pay(CHALLENGE_2);
    expect(payment.status).toBe("REQUIRES_ACTION");
    const back = await s.challenge(payment.nextAction?.redirectUrl as string, "authenticated");
    const returned = await s.followReturn(back);
    // No return URL: paycore's own page says how it went.
    expect(returned.status).toBe(200);
    expect(await returned.text()).toContain('data-status="CAPTURED"');
    expect(await s.read(payment.id)).toMatchObject({ status: "CAPTURED", amountCaptured: "2500" });
  });

  it("declines when the customer fails the challenge", async () => {
    const { payment } = await s.pay(CHALLENGE);
    const back = await s.challenge(payment.nextAction?.redirectUrl as string, "failed");
    expect((await s.followReturn(back)).status).toBe(200);
    expect(await s.read(payment.id)).toMatchObject({
      status: "DECLINED",
      failureCode: "authentication_failed",
      nextAction: null,
      threeDSecure: { status: "FAILED", flow: "CHALLENGE", liabilityShift: false },
    });
  });

  it("declines at once when the issuer refuses the authentication without a challenge", async () => {
    const { payment, errors } = await s.pay(REFUSED);
    expect(errors.map((error) => error.code)).toEqual(["PAYMENT_DECLINED"]);
    expect(payment).toMatchObject({
      status: "DECLINED",
      failureCode: "authentication_failed",
      threeDSecure: { status: "FAILED", flow: "FRICTIONLESS", liabilityShift: false },
    });
  });

  it("leaves a payment waiting when the customer returns before completing the challenge", async () => {
    const { payment } = await s.pay(CHALLENGE);
    const early = await s.followReturn(
      `http://127.0.0.1/three-d-secure/return/${payment.id}?pspReference=${payment.pspReference}`,
    );
    expect(early.status).toBe(200);
    expect(await early.text()).toContain('data-status="REQUIRES_ACTION"');
    expect((await s.read(payment.id)).status).toBe("REQUIRES_ACTION");
  });

  it("refuses a tampered return, another payment's challenge result, and a payment without 3-D Secure", async () => {
    const first = (await s.pay(CHALLENGE)).payment;
    const second = (await s.pay(CHALLENGE)).payment;
    const before = await s.read(first.id);
    // The second payment's completed challenge, replayed on the first payment's return route.
    const back = await s.challenge(second.nextAction?.redirectUrl as string, "authenticated");
    const forged = back.replace(second.id, first.id);
    const refused = await s.followReturn(forged);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('data-error-code="THREE_D_SECURE_RETURN_MISMATCH"');
    const tampered = await s.followReturn(
      `http://127.0.0.1/three-d-secure/return/${first.id}?payment_intent=pi_forged`,
    );
    expect(tampered.status).toBe(400);
    // Nothing was written to the first payment.
    expect(await s.read(first.id)).toEqual(before);

    const plain = (await s.pay(PLAIN)).payment;
    // A return URL without the signed state is accepted only with the payment's own PSP reference.
    const unsigned = await s.followReturn(`http://127.0.0.1/three-d-secure/return/${plain.id}`);
    expect(unsigned.status).toBe(400);
    const notRequired = await s.followReturn(
      `http://127.0.0.1/three-d-secure/return/${plain.id}?pspReference=${plain.pspReference}`,
    );
    expect(notRequired.status).toBe(409);
    expect(await notRequired.text()).toContain('data-error-code="THREE_D_SECURE_NOT_REQUIRED"');

    const unknown = await s.followReturn(
      "http://127.0.0.1/three-d-secure/return/pay_00000000000000000000000000?pspReference=sbx_ch_1",
    );
    expect(unknown.status).toBe(404);
  });

  it("refuses a return URL that is not an absolute http(s) URL, writing nothing", async () => {
    const paymentMethodId = await s.t.tokenize((await s.t.createMerchant()).publishableKey, CHALLENGE);
    expect(paymentMethodId).toMatch(/^pm_/);
    const { errors } = await s.pay(CHALLENGE, { returnUrl: "javascript:alert(1)" });
    expect(errors.map((error) => error.code)).toEqual(["RETURN_URL_INVALID"]);
  });
});

describe("3-D Secure on the hosted checkout page", () => {
  const s = scenario();
  beforeAll(() => s.setup());
  afterEach(async () => {
    await s.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await s.t?.close();
  });

  const CREATE_SESSION = `mutation($input: CreateCheckoutSessionInput!) {
    createCheckoutSession(input: $input) { checkoutSession { id url status payment { id status } } errors { code } }
  }`;
  const GET_SESSION = `query($id: ID!) { checkoutSession(id: $id) { id status attempts payment { id status } } }`;
  type Session = {
    id: string;
    url: string;
    status: string;
    attempts: number;
    payment: { id: string; status: string } | null;
  };

  const session = async () => {
    const merchant = await s.t.createMerchant();
    const created = await s.t.gql<{ createCheckoutSession: { checkoutSession: Session } }>(
      merchant.secretKey,
      CREATE_SESSION,
      {
        input: {
          idempotencyKey: newKey(),
          currency: "EUR",
          amount: "4200",
          successUrl: "https://shop.example/thanks?cs={CHECKOUT_SESSION_ID}",
          cancelUrl: "https://shop.example/cart",
        },
      },
    );
    const made = created.data?.createCheckoutSession.checkoutSession as Session;
    const read = async () =>
      (await s.t.gql<{ checkoutSession: Session }>(merchant.secretKey, GET_SESSION, { id: made.id })).data
        ?.checkoutSession as Session;
    return { made, read };
  };
  const submit = (url: string, number: string) =>
    s.t.app.http.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ number, expMonth: "12", expYear: "2031", cvc: "123" }).toString(),
      redirect: "manual",
    });
  const challengeLink = (html: string) => {
    const match = /id="challenge-link" href="([^"]+)"/.exec(html);
    expect(match).not.toBeNull();
    return (match?.[1] ?? "").replaceAll("&amp;", "&");
  };

  it("sends the customer to the challenge and back, then to the success URL", async () => {
    const { made, read } = await session();
    const posted = await submit(made.url, CHALLENGE);
    expect(posted.status).toBe(200);
    const html = await posted.text();
    expect(html).toContain('http-equiv="refresh"');
    expect(html).not.toContain("<script");
    const link = challengeLink(html);
    expect((await read()).payment?.status).toBe("REQUIRES_ACTION");
    // Paying again while the challenge is open is refused.
    const again = await submit(made.url, CHALLENGE);
    expect(again.status).toBe(409);

    const back = await s.challenge(link, "authenticated");
    const returned = await s.followReturn(back);
    expect(returned.status).toBe(303);
    const checkoutPage = returned.headers.get("location") as string;
    expect(checkoutPage.startsWith(made.url)).toBe(true);
    const resumed = await s.t.app.http.fetch(checkoutPage, { redirect: "manual" });
    expect(resumed.status).toBe(303);
    expect(resumed.headers.get("location")).toBe(`https://shop.example/thanks?cs=${made.id}`);
    expect(await read()).toMatchObject({ status: "COMPLETE", payment: { status: "CAPTURED" } });
  });

  it("comes back to the page with the error when the challenge fails; the customer may pay again", async () => {
    const { made, read } = await session();
    const link = challengeLink(await (await submit(made.url, CHALLENGE)).text());
    const back = await s.challenge(link, "failed");
    const returned = await s.followReturn(back);
    const resumed = await s.t.app.http.fetch(returned.headers.get("location") as string, {
      redirect: "manual",
    });
    expect(resumed.status).toBe(402);
    expect(await resumed.text()).toContain('data-error-code="PAYMENT_DECLINED"');
    expect(await read()).toMatchObject({ status: "OPEN", payment: { status: "DECLINED" } });
    // Another card completes it.
    const paid = await submit(made.url, FRICTIONLESS);
    expect(paid.status).toBe(303);
    expect((await read()).status).toBe("COMPLETE");
  });
});

describe("3-D Secure: an abandoned challenge", () => {
  // Every challenge is past its deadline at once: the expiry is triggered by running the worker's command.
  const s = scenario({ ttlMs: 1 });
  beforeAll(() => s.setup());
  afterEach(async () => {
    await s.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await s.t?.close();
  });

  it("is cancelled by the expiry command, at the PSP too, and a late completion changes nothing", async () => {
    const { payment } = await s.pay(CHALLENGE);
    expect(payment.status).toBe("REQUIRES_ACTION");
    const swept = await s.t.app.services.commands.expireAbandonedActions();
    expect(swept).toMatchObject({ expired: 1, failed: 0 });
    const after = await s.read(payment.id);
    expect(after).toMatchObject({
      status: "CANCELLED",
      failureCode: "authentication_abandoned",
      nextAction: null,
      threeDSecure: { status: "ABANDONED", liabilityShift: false },
    });
    // The customer comes back late: the sandbox refuses the cancelled challenge, the payment stays cancelled.
    const late = await s.t.app.http.fetch(payment.nextAction?.redirectUrl as string, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "result=authenticated",
      redirect: "manual",
    });
    expect(late.status).toBe(404);
    expect((await s.read(payment.id)).status).toBe("CANCELLED");
    // A second sweep finds nothing.
    expect(await s.t.app.services.commands.expireAbandonedActions()).toMatchObject({ expired: 0 });
  });

  it("authorizes instead when the customer completed the challenge just before the sweep", async () => {
    const { payment } = await s.pay(CHALLENGE, { captureMethod: "MANUAL" });
    await s.challenge(payment.nextAction?.redirectUrl as string, "authenticated");
    // The customer never came back to paycore; the sweep asks the PSP first.
    const swept = await s.t.app.services.commands.expireAbandonedActions();
    expect(swept).toMatchObject({ completed: 1, expired: 0 });
    expect((await s.read(payment.id)).status).toBe("AUTHORIZED");
  });
});
