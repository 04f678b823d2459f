// Goal: a PSP call whose outcome is unknown (timeout before or after the PSP
// acted, or a process that died mid-call) is resolved by asking the same PSP
// again with the same idempotency key: never a second charge, never another
// PSP, the ledger balanced, and escalation to operators when it stays unknown.
import type { MerchantId, PaymentId } from "@paycore/core/ids/ids";
import { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PaymentStore } from "@paycore/core/ports/payment-store";
import { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const PAYMENT = "id status amountCaptured amountRefunded pendingOperation events { type source }";
const CREATE = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const CAPTURE = `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { payment { ${PAYMENT} } errors { code } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { status } payment { ${PAYMENT} } errors { code } } }`;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  amountRefunded: string;
  pendingOperation: string | null;
  events: Array<{ type: string; source: string }>;
}

let t: TestApp;
let sandbox: SandboxPsp;
let merchant: TestMerchant;
let card: string;

beforeAll(async () => {
  sandbox = new SandboxPsp();
  t = await createTestApp({ sandbox, idempotencyWaitMs: 300 });
  merchant = await t.createMerchant();
  card = await t.tokenize(merchant.publishableKey);
});
afterEach(async () => {
  await t.expectLedgerBalanced();
});
afterAll(async () => {
  await t.close();
});

async function create(input: Record<string, unknown> = {}, key = newKey()) {
  const result = await t.gql<{ createPayment: { payment: Payment; errors: Array<{ code: string }> } }>(
    merchant.secretKey,
    CREATE,
    {
      input: { idempotencyKey: key, amount: "2000", currency: "USD", paymentMethodId: card, ...input },
    },
  );
  if (!result.data) throw new Error(result.raw);
  return result.data.createPayment;
}

async function read(id: string): Promise<Payment> {
  const result = await t.gql<{ payment: Payment }>(
    merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  return result.data?.payment as Payment;
}

describe("resolving unknown outcomes", () => {
  it("a timeout after the PSP charged: stays PENDING, then resolves to the charge that happened, once", async () => {
    sandbox.injectFault("authorize", "timeout_after_processing");
    const key = newKey();
    const { payment } = await create({}, key);
    expect(payment).toMatchObject({ status: "PENDING", pendingOperation: "AUTHORIZE" });
    expect(
      await t.app.db.pspAttempt.findFirst({ where: { paymentId: payment.id }, select: { status: true } }),
    ).toEqual({ status: "UNKNOWN" });

    expect(await t.app.services.commands.resolveUnknownOutcomes()).toMatchObject({ resolved: 1 });
    const resolved = await read(payment.id);
    expect(resolved).toMatchObject({ status: "CAPTURED", amountCaptured: "2000", pendingOperation: null });
    expect(resolved.events.at(-1)).toMatchObject({ type: "payment.captured", source: "SYSTEM" });
    expect(sandbox.authorizationsFor(payment.id)).toBe(1);
    expect(sandbox.charges().filter((c) => c.reference === payment.id)).toHaveLength(1);
  });

  it("a timeout before the PSP acted: the same key now charges, once", async () => {
    sandbox.injectFault("authorize", "timeout_before_processing");
    const { payment } = await create();
    expect(payment.status).toBe("PENDING");
    expect(sandbox.authorizationsFor(payment.id)).toBe(0);
    await t.app.services.commands.resolveUnknownOutcomes();
    expect((await read(payment.id)).status).toBe("CAPTURED");
    expect(sandbox.authorizationsFor(payment.id)).toBe(1);
  });

  it("resolves an unknown capture and an unknown refund", async () => {
    const { payment } = await create({ captureMethod: "MANUAL" });
    sandbox.injectFault("capture", "timeout_after_processing");
    const capture = await t.gql<{ capturePayment: { payment: Payment } }>(merchant.secretKey, CAPTURE, {
      input: { idempotencyKey: newKey(), paymentId: payment.id },
    });
    expect(capture.data?.capturePayment.payment).toMatchObject({
      status: "AUTHORIZED",
      pendingOperation: "CAPTURE",
    });
    await t.app.services.commands.resolveUnknownOutcomes();
    expect(await read(payment.id)).toMatchObject({
      status: "CAPTURED",
      amountCaptured: "2000",
      pendingOperation: null,
    });

    sandbox.injectFault("refund", "timeout_after_processing");
    const refund = await t.gql<{ refundPayment: { refund: { status: string } } }>(
      merchant.secretKey,
      REFUND,
      {
        input: { idempotencyKey: newKey(), paymentId: payment.id, amount: "500" },
      },
    );
    expect(refund.data?.refundPayment.refund.status).toBe("PENDING");
    await t.app.services.commands.resolveUnknownOutcomes();
    expect(await read(payment.id)).toMatchObject({ status: "PARTIALLY_REFUNDED", amountRefunded: "500" });
    expect(sandbox.charges().find((c) => c.reference === payment.id)?.refundedMinor).toBe(500n);
  });

  it("finishes the work of a process that died mid-call and answers its request", async () => {
    sandbox.injectFault("authorize", "timeout_after_processing");
    const key = newKey();
    const { payment } = await create({}, key);
    // As if the process died between calling the PSP and recording anything.
    await t.app.db.$executeRawUnsafe(
      `UPDATE psp_attempts SET status = 'PENDING', created_at = now() - interval '10 minutes' WHERE payment_id = $1`,
      payment.id,
    );
    await t.app.db.$executeRawUnsafe(
      `UPDATE idempotency_records SET status = 'IN_PROGRESS', response = NULL, locked_until = now() - interval '1 minute' WHERE resource_id = $1`,
      payment.id,
    );
    expect((await create({}, key)).errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_IN_PROGRESS"]);
    await t.app.services.commands.resolveUnknownOutcomes();
    const replay = await create({}, key);
    expect(replay.payment).toMatchObject({ id: payment.id, status: "CAPTURED" });
    expect(sandbox.authorizationsFor(payment.id)).toBe(1);
  });

  it("escalates to operators when the PSP never gives a definite answer", async () => {
    sandbox.injectFault("authorize", "timeout_before_processing");
    const { payment } = await create();
    for (let i = 0; i < 20; i++) {
      sandbox.injectFault("authorize", "timeout_before_processing");
      await t.app.db.$executeRawUnsafe(
        `UPDATE psp_attempts SET next_resolve_at = now() WHERE payment_id = $1 AND escalated_at IS NULL`,
        payment.id,
      );
      const summary = await t.app.services.commands.resolveUnknownOutcomes();
      if (summary.escalated > 0) break;
    }
    const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
      where: { paymentId: payment.id },
      select: { status: true, escalatedAt: true, resolveCount: true },
    });
    expect(attempt.status).toBe("UNKNOWN");
    expect(attempt.escalatedAt).not.toBeNull();
    expect((await read(payment.id)).events.map((e) => e.type)).toContain("payment.escalated");
    expect(sandbox.authorizationsFor(payment.id)).toBe(0);
    // Clear the remaining injected faults for the other tests.
    while (
      sandbox.authorizationsFor("none") === 0 &&
      (sandbox as unknown as { faults: unknown[] }).faults.length > 0
    ) {
      (sandbox as unknown as { faults: unknown[] }).faults.pop();
    }
  });
});

describe("notifications racing other changes", () => {
  it("a notification applies on fresh data when the payment changed between its reads, instead of being lost", async () => {
    // The webhook reads the payment, then its attempts; in between, our own call's answer is recorded (a version
    // bump with the payment still PENDING). The change built on the stale read loses its optimistic-lock race:
    // it must be rebuilt on what is current, not acknowledged to the PSP as applied while nothing was.
    sandbox.injectFault("authorize", "timeout_after_processing");
    const { payment } = await create();
    expect(payment).toMatchObject({ status: "PENDING", pendingOperation: "AUTHORIZE" });
    const id = payment.id as PaymentId;
    const actor = {
      merchantId: merchant.id as MerchantId,
      mode: "TEST" as const,
      apiKeyId: null,
      by: { source: "SYSTEM" as const, id: "test", note: null },
    };
    const store: PaymentStore = t.app.services.paymentStore;
    let bumped = 0;
    const racing = new Proxy(store, {
      get(target, property) {
        if (property === "attemptsOf") {
          return async (paymentId: PaymentId) => {
            if (bumped === 0) {
              bumped++;
              const current = await target.findPayment(actor, paymentId);
              if (current === null) throw new Error("no payment");
              await target.applyPaymentChange(actor, {
                decidedOn: current,
                patch: { pendingOperation: "AUTHORIZE" },
                events: [],
                outbox: [],
              });
            }
            return target.attemptsOf(paymentId);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const deps = Reflect.get(t.app.services.commands, "deps") as ConstructorParameters<
      typeof PaymentCommands
    >[0];
    const commands = new PaymentCommands({ ...deps, store: racing });
    const attempt = await t.app.db.pspAttempt.findFirstOrThrow({ where: { paymentId: id } });
    const charge = sandbox.charges().find((c) => c.reference === id);
    if (!charge) throw new Error("the sandbox holds no charge for the payment");

    const result = await commands.applyPspNotification({
      kind: "authorization",
      pspName: attempt.pspName,
      pspReference: charge.pspReference,
      reference: id,
      success: true,
      code: null,
    });

    expect(bumped).toBe(1);
    expect(result).toEqual({ applied: true, paymentId: id, status: "CAPTURED" });
    expect(await read(id)).toMatchObject({
      status: "CAPTURED",
      amountCaptured: "2000",
      pendingOperation: null,
    });
    expect(
      await t.app.db.pspAttempt.findUniqueOrThrow({ where: { id: attempt.id }, select: { status: true } }),
    ).toEqual({ status: "SUCCEEDED" });
  });
});
