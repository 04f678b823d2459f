// Goal: every money answer survives a crash. A capture, cancellation or refund
// whose process died mid-call is finished (by the resolver or by the PSP's
// notification, at once rather than after a staleness window) and its request
// answers the operation's object on replay, never an empty payload; and a
// modification the PSP acknowledged but nobody decided is looked up at the PSP
// after its deadline, reaches the ledger, or is escalated when the PSP cannot
// say. The ledger balances after each scenario.
import type { PspAttemptId } from "@paycore/core/ids/ids";
import { SandboxPsp } from "@paycore/psp-testkit/sandbox-psp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, newKey, type TestApp, type TestMerchant } from "../src/testing/test-app";

const PAYMENT =
  "id status amountCaptured amountRefunded pendingOperation pspReference events { type source }";
const PAYLOAD = `payment { ${PAYMENT} } errors { code }`;
const MUTATIONS = {
  createPayment: `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { ${PAYLOAD} } }`,
  capturePayment: `mutation($input: CapturePaymentInput!) { capturePayment(input: $input) { ${PAYLOAD} } }`,
  cancelPayment: `mutation($input: CancelPaymentInput!) { cancelPayment(input: $input) { ${PAYLOAD} } }`,
  refundPayment: `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id status amount } ${PAYLOAD} } }`,
} as const;
type Mutation = keyof typeof MUTATIONS;

interface Payment {
  id: string;
  status: string;
  amountCaptured: string;
  amountRefunded: string;
  pendingOperation: string | null;
  pspReference: string | null;
  events: Array<{ type: string; source: string }>;
}

interface Payload {
  payment: Payment | null;
  refund?: { id: string; status: string; amount: string } | null;
  errors: Array<{ code: string }>;
}

/** The three modifications: the mutation, its sandbox operation, how the payment is made first, what follows. */
const MODIFICATIONS = [
  {
    name: "refund",
    mutation: "refundPayment",
    operation: "refund",
    captureMethod: "AUTOMATIC",
    input: { amount: "700" },
    settled: { status: "PARTIALLY_REFUNDED", amountRefunded: "700" },
  },
  {
    name: "capture",
    mutation: "capturePayment",
    operation: "capture",
    captureMethod: "MANUAL",
    input: {},
    settled: { status: "CAPTURED", amountCaptured: "2000" },
  },
  {
    name: "cancel",
    mutation: "cancelPayment",
    operation: "void",
    captureMethod: "MANUAL",
    input: {},
    settled: { status: "CANCELLED", amountCaptured: "0" },
  },
] as const;

interface Harness {
  t: TestApp;
  merchant: TestMerchant;
  card: string;
}

async function harness(sandbox: SandboxPsp): Promise<Harness> {
  const t = await createTestApp({ sandbox, idempotencyWaitMs: 300 });
  const merchant = await t.createMerchant();
  return { t, merchant, card: await t.tokenize(merchant.publishableKey) };
}

async function mutate(h: Harness, mutation: Mutation, input: Record<string, unknown>): Promise<Payload> {
  const result = await h.t.gql<Record<string, Payload>>(h.merchant.secretKey, MUTATIONS[mutation], { input });
  const payload = result.data?.[mutation];
  if (!payload) throw new Error(result.raw);
  return payload;
}

async function newPayment(h: Harness, captureMethod: "AUTOMATIC" | "MANUAL"): Promise<Payment> {
  const { payment } = await mutate(h, "createPayment", {
    idempotencyKey: newKey(),
    amount: "2000",
    currency: "USD",
    paymentMethodId: h.card,
    captureMethod,
  });
  expect(payment?.status).toBe(captureMethod === "AUTOMATIC" ? "CAPTURED" : "AUTHORIZED");
  return payment as Payment;
}

async function read(h: Harness, id: string): Promise<Payment> {
  const result = await h.t.gql<{ payment: Payment }>(
    h.merchant.secretKey,
    `{ payment(id: "${id}") { ${PAYMENT} } }`,
  );
  return result.data?.payment as Payment;
}

async function lastAttempt(h: Harness, paymentId: string) {
  return h.t.app.db.pspAttempt.findFirstOrThrow({
    where: { paymentId },
    orderBy: { createdAt: "desc" },
    select: { id: true, status: true, escalatedAt: true, ownerInstanceId: true, refundId: true },
  });
}

/**
 * As if the process died between calling the PSP and recording anything: the attempt PENDING, owned by a
 * process that no longer heartbeats and made its call `ageSeconds` ago (less than the old 2-minute staleness
 * window), and the request's idempotency record IN_PROGRESS with no response.
 */
async function abandon(h: Harness, attemptId: string, ageSeconds = 60): Promise<void> {
  await h.t.app.db.$executeRawUnsafe(
    `UPDATE psp_attempts SET status = 'PENDING', psp_reference = NULL, owner_instance_id = 'proc_gone',
            created_at = now() - make_interval(secs => $2) WHERE id = $1`,
    attemptId,
    ageSeconds,
  );
  const attempt = await h.t.app.db.pspAttempt.findUniqueOrThrow({
    where: { id: attemptId },
    select: { paymentId: true, refundId: true, operation: true },
  });
  const operation = {
    AUTHORIZE: "createPayment",
    CAPTURE: "capturePayment",
    VOID: "cancelPayment",
    REFUND: "refundPayment",
  }[attempt.operation];
  const reopened = await h.t.app.db.$executeRawUnsafe(
    `UPDATE idempotency_records SET status = 'IN_PROGRESS', response = NULL,
            locked_until = now() - interval '1 minute'
      WHERE resource_id = $1 AND operation = $2`,
    attempt.refundId ?? attempt.paymentId,
    operation,
  );
  expect(reopened).toBe(1);
}

function expectAnswered(answer: Payload, modification: (typeof MODIFICATIONS)[number]) {
  expect(answer.errors).toEqual([]);
  expect(answer.payment).toMatchObject(modification.settled);
  if (modification.name === "refund")
    expect(answer.refund).toMatchObject({ status: "SUCCEEDED", amount: "700" });
}

describe("a modification whose process died mid-call", () => {
  const sandbox = new SandboxPsp();
  let h: Harness;
  beforeAll(async () => {
    h = await harness(sandbox);
  });
  afterEach(async () => {
    await h.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await h.t.close();
  });

  /** Runs the modification so that the PSP performs it, then leaves it as a killed process would. */
  async function killedMidCall(modification: (typeof MODIFICATIONS)[number]) {
    const payment = await newPayment(h, modification.captureMethod);
    const input = { idempotencyKey: newKey(), paymentId: payment.id, ...modification.input };
    sandbox.injectFault(modification.operation, "timeout_after_processing");
    await mutate(h, modification.mutation, input);
    const attempt = await lastAttempt(h, payment.id);
    expect(attempt.status).toBe("UNKNOWN");
    await abandon(h, attempt.id);
    const waiting = await mutate(h, modification.mutation, input);
    expect(waiting.errors.map((e) => e.code)).toEqual(["IDEMPOTENCY_IN_PROGRESS"]);
    return { payment, input, attempt };
  }

  it.each(MODIFICATIONS)(
    "$name: the resolver takes it over once its process is gone, and its replay answers the $name",
    async (modification) => {
      const performed = { ...sandbox.stats };
      const { payment, input } = await killedMidCall(modification);

      const summary = await h.t.app.services.commands.resolveUnknownOutcomes();
      expect(summary.resolved).toBe(1);

      const replay = await mutate(h, modification.mutation, input);
      expectAnswered(replay, modification);
      expect(await read(h, payment.id)).toMatchObject({ ...modification.settled, pendingOperation: null });
      // Asked again with the same key: the PSP performed the modification once.
      const key = modification.operation === "void" ? "voids" : (`${modification.operation}s` as const);
      expect(sandbox.stats[key] - performed[key]).toBe(1);
    },
  );

  it.each(MODIFICATIONS)(
    "$name: the PSP's notification settles it at once (no 503 until a staleness window passes), and answers its request",
    async (modification) => {
      const { payment, input, attempt } = await killedMidCall(modification);
      const psp = await read(h, payment.id);
      const notification = {
        kind: modification.operation,
        pspName: "sandbox",
        paymentPspReference: psp.pspReference as string,
        modificationReference: null,
        attemptReference: attempt.id,
        success: true,
        code: null,
      } as const;

      // While its process heartbeats, the call's own answer is awaited: the PSP is asked to send it again.
      // This app's own instance: not the stale one an earlier case of this table inserted.
      const instance = await h.t.app.db.processInstance.findFirstOrThrow({
        where: { id: { not: "proc_stale" } },
        select: { id: true },
      });
      await h.t.app.db.pspAttempt.update({
        where: { id: attempt.id },
        data: { ownerInstanceId: instance.id },
      });
      expect(await h.t.app.services.commands.applyPspNotification(notification)).toEqual({
        applied: false,
        reason: "in_flight",
      });

      // Its process stopped heartbeating, but the call is younger than the liveness window: still awaited.
      await h.t.app.db.$executeRawUnsafe(
        `INSERT INTO process_instances (id, started_at, heartbeat_at)
         VALUES ('proc_stale', now() - interval '1 hour', now() - interval '1 minute') ON CONFLICT DO NOTHING`,
      );
      await h.t.app.db.$executeRawUnsafe(
        `UPDATE psp_attempts SET owner_instance_id = 'proc_stale', created_at = now() WHERE id = $1`,
        attempt.id,
      );
      expect(await h.t.app.services.commands.applyPspNotification(notification)).toEqual({
        applied: false,
        reason: "in_flight",
      });

      // Its process is gone: applied now, although the attempt is only a minute old.
      await h.t.app.db.$executeRawUnsafe(
        `UPDATE psp_attempts SET created_at = now() - interval '1 minute' WHERE id = $1`,
        attempt.id,
      );
      expect(await h.t.app.services.commands.applyPspNotification(notification)).toMatchObject({
        applied: true,
        status: modification.settled.status,
      });
      expect((await lastAttempt(h, payment.id)).status).toBe("SUCCEEDED");
      expectAnswered(await mutate(h, modification.mutation, input), modification);
    },
  );
});

describe("an authorization whose process died mid-call", () => {
  const sandbox = new SandboxPsp();
  let h: Harness;
  beforeAll(async () => {
    h = await harness(sandbox);
  });
  afterEach(async () => {
    await h.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await h.t.close();
  });

  async function killedMidCall(number: string) {
    const input = {
      idempotencyKey: newKey(),
      amount: "2000",
      currency: "USD",
      paymentMethodId: await h.t.tokenize(h.merchant.publishableKey, number),
    };
    sandbox.injectFault("authorize", "timeout_after_processing");
    const { payment } = await mutate(h, "createPayment", input);
    await abandon(h, (await lastAttempt(h, payment?.id as string)).id);
    return { input, payment: payment as Payment };
  }

  it("declined: the replay answers the decline, as the request would have, not an empty success", async () => {
    const { input } = await killedMidCall("4000000000000002");
    expect((await h.t.app.services.commands.resolveUnknownOutcomes()).resolved).toBe(1);
    const replay = await mutate(h, "createPayment", input);
    expect(replay.payment?.status).toBe("DECLINED");
    expect(replay.errors.map((e) => e.code)).toEqual(["PAYMENT_DECLINED"]);
  });

  it("approved: the PSP's notification settles it at once and answers its request", async () => {
    const { input, payment } = await killedMidCall("4242424242424242");
    const charge = sandbox.charges().find((c) => c.reference === payment.id);
    expect(
      await h.t.app.services.commands.applyPspNotification({
        kind: "authorization",
        pspName: "sandbox",
        pspReference: charge?.pspReference as string,
        reference: payment.id,
        success: true,
        code: null,
      }),
    ).toMatchObject({ applied: true, status: "CAPTURED" });
    const replay = await mutate(h, "createPayment", input);
    expect(replay).toMatchObject({ payment: { id: payment.id, status: "CAPTURED" }, errors: [] });
  });
});

describe("a modification the PSP acknowledged and nobody decided", () => {
  const sandbox = new SandboxPsp({ acknowledgeModifications: true });
  let h: Harness;
  beforeAll(async () => {
    h = await harness(sandbox);
  });
  afterEach(async () => {
    await h.t.expectLedgerBalanced();
  });
  afterAll(async () => {
    await h.t.close();
  });

  const DEADLINE_MS = 60_000;
  /** Acknowledged this long ago: past the deadline. */
  async function acknowledgedLongAgo(attemptId: PspAttemptId | string) {
    await h.t.app.db.$executeRawUnsafe(
      `UPDATE psp_attempts SET updated_at = now() - interval '2 minutes' WHERE id = $1`,
      attemptId,
    );
  }

  async function acknowledged(modification: (typeof MODIFICATIONS)[number]) {
    const payment = await newPayment(h, modification.captureMethod);
    const input = { idempotencyKey: newKey(), paymentId: payment.id, ...modification.input };
    const answer = await mutate(h, modification.mutation, input);
    expect(answer.errors).toEqual([]);
    if (modification.name === "refund") expect(answer.refund?.status).toBe("PENDING");
    const attempt = await lastAttempt(h, payment.id);
    expect(attempt.status).toBe("ACKNOWLEDGED");
    return { payment, input, attempt };
  }

  it.each(MODIFICATIONS)(
    "$name: looked up at the PSP once past its deadline, and recorded (the ledger with it)",
    async (modification) => {
      const { payment, attempt } = await acknowledged(modification);
      // Before its deadline the PSP's notification is given its chance.
      await h.t.app.services.commands.resolveUnknownOutcomes({ acknowledgedDeadlineMs: DEADLINE_MS });
      expect((await lastAttempt(h, payment.id)).status).toBe("ACKNOWLEDGED");

      await acknowledgedLongAgo(attempt.id);
      const summary = await h.t.app.services.commands.resolveUnknownOutcomes({
        acknowledgedDeadlineMs: DEADLINE_MS,
      });
      expect(summary.resolved).toBe(1);
      expect((await lastAttempt(h, payment.id)).status).toBe("SUCCEEDED");
      expect(await read(h, payment.id)).toMatchObject({ ...modification.settled, pendingOperation: null });
      if (modification.name === "refund") {
        const refund = await h.t.app.db.refund.findUniqueOrThrow({
          where: { id: attempt.refundId as string },
          select: { status: true },
        });
        expect(refund.status).toBe("SUCCEEDED");
        expect(await h.t.app.db.journalEntry.count({ where: { refundId: attempt.refundId } })).toBe(1);
      }
    },
  );

  it("one the PSP cannot confirm is asked about on the schedule, then escalated to operators", async () => {
    const refund = MODIFICATIONS[0];
    const { payment, attempt } = await acknowledged(refund);
    await acknowledgedLongAgo(attempt.id);
    let escalated = 0;
    for (let round = 0; round < 20 && escalated === 0; round++) {
      sandbox.injectFault("lookup", "timeout_before_processing");
      const summary = await h.t.app.services.commands.resolveUnknownOutcomes({
        acknowledgedDeadlineMs: DEADLINE_MS,
      });
      expect(summary.resolved).toBe(0);
      escalated = summary.escalated;
      await h.t.app.db.$executeRawUnsafe(
        `UPDATE psp_attempts SET next_resolve_at = now() WHERE id = $1 AND escalated_at IS NULL`,
        attempt.id,
      );
    }
    expect(escalated).toBe(1);
    const stored = await lastAttempt(h, payment.id);
    expect(stored).toMatchObject({ status: "ACKNOWLEDGED" });
    expect(stored.escalatedAt).not.toBeNull();
    const events = (await read(h, payment.id)).events;
    expect(events.at(-1)).toMatchObject({ type: "payment.escalated", source: "SYSTEM" });
    // Escalated attempts are left to operators: the resolver asks no more.
    expect(await h.t.app.services.commands.resolveUnknownOutcomes({ acknowledgedDeadlineMs: 0 })).toEqual({
      resolved: 0,
      rescheduled: 0,
      escalated: 0,
    });
  });
});
