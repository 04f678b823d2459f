// The dispute commands against an in-memory store: each PSP position moves the money once (withdrawal with its
// fee, reinstatement on a win), duplicates and stale notifications change nothing, and merchant actions are
// checked against the status.
import { beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "../errors/domain-error";
import { assertBalanced } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";
import type { DisputeEvidenceOutcome, DisputeEvidenceRequest, PaymentServiceProvider } from "../psp/psp-port";
import { InMemoryDisputeStore } from "../testing/in-memory-dispute-store";
import { DisputeCommands, type DisputeNotification } from "./dispute-commands";
import type { DisputeStage, DisputeStatus } from "./dispute-state-machine";

const USD = "USD" as CurrencyCode;
const JPY = "JPY" as CurrencyCode;

function notification(status: DisputeStatus, stage: DisputeStage, extra: Partial<DisputeNotification> = {}) {
  return {
    pspName: "stripe",
    disputeReference: "du_test1",
    paymentPspReference: "pi_test1",
    status,
    stage,
    pspStage: `${status}:${stage}`,
    amountMinor: 4_000n,
    currency: "usd",
    reason: "fraudulent",
    reasonCode: "10.4",
    evidenceDueBy: new Date("2026-12-20T00:00:00Z"),
    ...extra,
  } satisfies DisputeNotification;
}

/** A store holding one captured USD payment of 100.00 at Stripe (pi_test1), the one the notifications name. */
function storeWithCapturedPayment(): InMemoryDisputeStore {
  const store = new InMemoryDisputeStore();
  store.payments.set("stripe:pi_test1", {
    id: "pay_1",
    merchantId: "mer_1",
    mode: "TEST",
    currency: USD,
    amountCapturedMinor: 10_000n,
    pspName: "stripe",
  });
  return store;
}

/** Opens the chargeback the merchant then acts on; answers its id. */
async function openDispute(commands: DisputeCommands): Promise<string> {
  const result = await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
  if (!result.applied) throw new Error("setup");
  return result.dispute.id;
}

describe("DisputeCommands.applyNotification", () => {
  let store: InMemoryDisputeStore;
  let commands: DisputeCommands;
  beforeEach(() => {
    store = storeWithCapturedPayment();
    commands = new DisputeCommands({ store, now: () => new Date("2026-12-07T00:00:00Z") });
  });

  const postings = () => store.changes.flatMap((change) => change.journal);

  it("withdraws the amount and the default fee once, and a duplicate writes nothing", async () => {
    const first = await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(first.applied).toBe(true);
    const again = await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(again).toMatchObject({ applied: false, reason: "duplicate" });
    expect(postings().map((entry) => entry.kind)).toEqual(["dispute.funds_withdrawn"]);
    const [withdrawal] = postings();
    expect(withdrawal?.lines).toEqual([
      { account: "merchant_balance", direction: "DEBIT", amountMinor: 5_500n },
      { account: "psp_receivable", direction: "CREDIT", amountMinor: 4_000n },
      { account: "fee_revenue", direction: "CREDIT", amountMinor: 1_500n },
    ]);
    expect(store.disputedMinor.get("pay_1")).toBe(4_000n);
  });

  it("an inquiry moves no money; its chargeback does", async () => {
    await commands.applyNotification(notification("INQUIRY", "inquiry"));
    expect(postings()).toEqual([]);
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(postings().map((entry) => entry.kind)).toEqual(["dispute.funds_withdrawn"]);
  });

  it("a win gives the amount back and keeps the fee; a late NEEDS_RESPONSE does not withdraw again", async () => {
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    await commands.applyNotification(notification("WON", "chargeback"));
    const late = await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(late).toMatchObject({ applied: false, reason: "stale" });
    expect(postings().map((entry) => entry.kind)).toEqual([
      "dispute.funds_withdrawn",
      "dispute.funds_reinstated",
    ]);
    expect(postings()[1]?.lines).toEqual([
      { account: "psp_receivable", direction: "DEBIT", amountMinor: 4_000n },
      { account: "merchant_balance", direction: "CREDIT", amountMinor: 4_000n },
    ]);
    expect(store.disputedMinor.get("pay_1")).toBe(0n);
    expect(store.changes.at(-1)?.outbox[0]?.topic).toBe("dispute.closed");
  });

  it("Adyen's reopened path: won, second chargeback, pre-arbitration won: withdrawn twice, one fee", async () => {
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    await commands.applyNotification(notification("WON", "chargeback"));
    await commands.applyNotification(notification("LOST", "second_chargeback"));
    await commands.applyNotification(notification("WON", "pre_arbitration"));
    expect(postings().map((entry) => entry.kind)).toEqual([
      "dispute.funds_withdrawn",
      "dispute.funds_reinstated",
      "dispute.funds_withdrawn",
      "dispute.funds_reinstated",
    ]);
    expect(postings().filter((e) => e.lines.some((l) => l.account === "fee_revenue"))).toHaveLength(1);
    for (const entry of postings()) assertBalanced(entry);
  });

  it("the first notification may already be the outcome (a lost dispute withdraws once)", async () => {
    await commands.applyNotification(notification("LOST", "chargeback"));
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(postings().map((entry) => entry.kind)).toEqual(["dispute.funds_withdrawn"]);
  });

  it("uses the merchant's fee for the currency, scaled by nothing (minor units)", async () => {
    store.fees.set("mer_1:USD", 0n);
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    expect(postings()[0]?.lines).toHaveLength(2);
  });

  it("the default fee follows the currency's exponent (JPY 15, not 1500)", async () => {
    store.payments.set("stripe:pi_jpy", {
      id: "pay_2",
      merchantId: "mer_1",
      mode: "TEST",
      currency: JPY,
      amountCapturedMinor: 5_000n,
      pspName: "stripe",
    });
    await commands.applyNotification(
      notification("NEEDS_RESPONSE", "chargeback", {
        disputeReference: "du_jpy",
        paymentPspReference: "pi_jpy",
        currency: "JPY",
        amountMinor: 5_000n,
      }),
    );
    expect(postings()[0]?.lines.find((line) => line.account === "fee_revenue")?.amountMinor).toBe(15n);
  });

  it("a converted payment's dispute posts in the settlement currency at the locked rate, the rest FX gain or loss", async () => {
    // pay_1 (USD) was captured for a merchant settling in EUR at 0.9 (locked); today's rate is 0.95.
    let todayRate = { numerator: 19n, denominator: 20n };
    const converting = new DisputeCommands({
      store,
      now: () => new Date("2026-12-07T00:00:00Z"),
      fx: {
        captureConversionOf: async (paymentId) =>
          paymentId === "pay_1"
            ? {
                sourceCurrency: USD,
                settlementCurrency: "EUR" as CurrencyCode,
                rate: { numerator: 9n, denominator: 10n },
              }
            : null,
        newestRate: async (from, to) => ({
          base: from,
          quote: to,
          ...todayRate,
          source: "ECB",
          asOf: new Date("2026-12-06T00:00:00Z"),
          path: "DIRECT",
        }),
      },
    });
    await converting.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    todayRate = { numerator: 4n, denominator: 5n };
    await converting.applyNotification(notification("WON", "chargeback"));
    expect(postings()).toEqual([]);
    const [withdrawal, reinstatement] = store.changes.flatMap((change) =>
      change.conversion ? [change.conversion] : [],
    );
    // 40.00 + 15.00 USD: the merchant bears 49.50 EUR (0.9), 52.25 EUR left (0.95): a 2.75 EUR loss.
    expect(withdrawal?.sourceEntry.currency).toBe("USD");
    expect(withdrawal?.draft).toMatchObject({
      kind: "DISPUTE",
      sourceMinor: 5_500n,
      originalSettlementMinor: 4_950n,
      settlementMinor: 5_225n,
      gainLossMinor: -275n,
    });
    expect(withdrawal?.draft.settlementEntry?.currency).toBe("EUR");
    // The win: 36.00 EUR back to the merchant (0.9), 32.00 EUR came in (0.8): a 4.00 EUR loss.
    expect(reinstatement?.draft).toMatchObject({
      kind: "DISPUTE_REVERSAL",
      sourceMinor: 4_000n,
      originalSettlementMinor: 3_600n,
      settlementMinor: 3_200n,
      gainLossMinor: -400n,
    });
    for (const change of store.changes) {
      if (!change.conversion) continue;
      assertBalanced(change.conversion.sourceEntry);
      if (change.conversion.draft.settlementEntry) assertBalanced(change.conversion.draft.settlementEntry);
    }
    expect(store.changes[0]?.event.data).toMatchObject({
      ledger: "dispute.funds_withdrawn,fx.dispute_conversion",
      settlementCurrency: "EUR",
      fxGainLossMinor: "-275",
    });
  });

  it.each([
    [{ paymentPspReference: "pi_unknown" }, "unknown_payment"],
    [{ currency: "EUR" }, "invalid"],
    [{ amountMinor: 10_001n }, "invalid"],
  ] as const)("refuses %o as %s, writing nothing", async (extra, reason) => {
    const result = await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback", extra));
    expect(result).toMatchObject({ applied: false, reason });
    expect(store.changes).toEqual([]);
  });

  it("a lost version race is decided again on fresh data (no double withdrawal)", async () => {
    await commands.applyNotification(notification("NEEDS_RESPONSE", "chargeback"));
    const [dispute] = [...store.disputes.values()];
    store.beforeWrite = () => {
      if (dispute) store.disputes.set(dispute.id, { ...dispute, status: "UNDER_REVIEW", version: 2 });
    };
    const result = await commands.applyNotification(notification("LOST", "chargeback"));
    expect(result.applied).toBe(true);
    expect(postings().map((entry) => entry.kind)).toEqual(["dispute.funds_withdrawn"]);
  });
});

describe("merchant actions", () => {
  let store: InMemoryDisputeStore;
  let commands: DisputeCommands;
  let disputeId: string;
  beforeEach(async () => {
    store = storeWithCapturedPayment();
    commands = new DisputeCommands({ store, now: () => new Date("2026-12-07T00:00:00Z") });
    disputeId = await openDispute(commands);
  });
  const merchant = { kind: "merchant", apiKeyId: "key_1" } as const;

  it("a decided dispute cannot be accepted", async () => {
    await commands.applyNotification(notification("WON", "chargeback"));
    await expect(
      commands.accept({ disputeId, merchantId: "mer_1", mode: "TEST", actor: merchant }),
    ).rejects.toMatchObject({ code: "DISPUTE_NOT_ACCEPTABLE" });
  });

  it("accepting closes the dispute and moves no further money; accepting again answers the same", async () => {
    const accepted = await commands.accept({ disputeId, merchantId: "mer_1", mode: "TEST", actor: merchant });
    expect(accepted.status).toBe("ACCEPTED");
    expect(store.changes.at(-1)?.journal).toEqual([]);
    const changes = store.changes.length;
    const again = await commands.accept({ disputeId, merchantId: "mer_1", mode: "TEST", actor: merchant });
    expect(again.version).toBe(accepted.version);
    expect(store.changes).toHaveLength(changes);
  });

  it("another merchant's or mode's dispute is not found", async () => {
    for (const scope of [
      { merchantId: "mer_2", mode: "TEST" as const },
      { merchantId: "mer_1", mode: "LIVE" as const },
    ]) {
      await expect(commands.accept({ disputeId, ...scope, actor: merchant })).rejects.toBeInstanceOf(
        DomainError,
      );
    }
  });

  it("evidence moves it under review once; a second submission answers the same dispute", async () => {
    const operator = {
      kind: "operator",
      operator: { operatorId: "opr_1", name: "ops@example.test" },
    } as const;
    const first = await commands.recordEvidenceSubmitted({
      disputeId,
      merchantId: "mer_1",
      mode: "TEST",
      actor: operator,
    });
    expect(first.status).toBe("UNDER_REVIEW");
    expect(store.changes.at(-1)?.operatorAudit?.action).toBe("dispute.evidence_submitted");
    const second = await commands.recordEvidenceSubmitted({
      disputeId,
      merchantId: "mer_1",
      mode: "TEST",
      actor: operator,
    });
    expect(second.version).toBe(first.version);
  });
});

describe("submitEvidence", () => {
  const PDF = new TextEncoder().encode("%PDF-1.4 evidence");
  let store: InMemoryDisputeStore;
  let commands: DisputeCommands;
  let disputeId: string;
  beforeEach(async () => {
    store = storeWithCapturedPayment();
    commands = new DisputeCommands({ store, now: () => new Date("2026-12-07T00:00:00Z") });
    disputeId = await openDispute(commands);
  });
  const submit = (
    key: string,
    texts: Record<string, string>,
    sniffed: string | null = "application/pdf",
    kind: string | null = "RECEIPT",
  ) =>
    commands.submitEvidence({
      disputeId,
      merchantId: "mer_1",
      mode: "TEST",
      actor: { kind: "merchant", apiKeyId: "key_1" },
      idempotencyKey: key,
      texts,
      files: [
        {
          filename: "receipt.pdf",
          ...(kind === null ? {} : { kind }),
          sniffedContentType: sniffed,
          bytes: PDF,
        },
      ],
    });

  it("keeps each file's kind; the same key with the same file under another kind is refused", async () => {
    const first = await submit("ev-1", { productDescription: "A blue teapot" });
    expect(first.evidence.files.map((file) => file.kind)).toEqual(["RECEIPT"]);
    await expect(
      submit("ev-1", { productDescription: "A blue teapot" }, "application/pdf", "SHIPPING_DOCUMENTATION"),
    ).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect((await submit("ev-1", { productDescription: "A blue teapot" })).replayed).toBe(true);
  });

  it("a file without a kind is stored as UNCATEGORIZED", async () => {
    const result = await submit("ev-1", { productDescription: "A blue teapot" }, "application/pdf", null);
    expect(result.evidence.files.map((file) => file.kind)).toEqual(["UNCATEGORIZED"]);
  });

  it.each([["INVOICE"], ["receipt"], [""]])(
    "refuses the kind %j with EVIDENCE_INVALID naming the file",
    async (kind) => {
      await expect(
        submit("ev-x", { productDescription: "fine" }, "application/pdf", kind),
      ).rejects.toMatchObject({
        code: "EVIDENCE_INVALID",
        field: ["files", "0", "kind"],
      });
      expect(store.changes.filter((change) => change.evidence)).toHaveLength(0);
    },
  );

  it("stores it with the file's checksum, moves the dispute under review, and replays the same key", async () => {
    const first = await submit("ev-1", { productDescription: "A blue teapot" });
    expect(first.dispute.status).toBe("UNDER_REVIEW");
    expect(first.evidence.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await submit("ev-1", { productDescription: "A blue teapot" });
    expect(again.replayed).toBe(true);
    expect(store.changes.filter((change) => change.evidence)).toHaveLength(1);
    await expect(submit("ev-1", { productDescription: "Another" })).rejects.toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
    });
    await expect(submit("ev-2", { productDescription: "More" })).rejects.toMatchObject({
      code: "DISPUTE_EVIDENCE_NOT_ALLOWED",
    });
  });

  it.each([
    [{ productDescription: "x".repeat(5_001) }, "application/pdf", "EVIDENCE_INVALID"],
    [{ shippingTracking: "card 4242424242424242" }, "application/pdf", "CARD_NUMBER_IN_TEXT"],
    [{ productDescription: "fine" }, null, "EVIDENCE_INVALID"],
    [{ productDescription: "fine" }, "image/gif", "EVIDENCE_INVALID"],
  ])("refuses %o with a %s file: %s, writing nothing", async (texts, sniffed, code) => {
    await expect(submit("ev-x", texts, sniffed)).rejects.toMatchObject({ code });
    expect(store.changes.filter((change) => change.evidence)).toHaveLength(0);
  });
});

describe("forwarding evidence to the PSP", () => {
  const PDF = new TextEncoder().encode("%PDF-1.4 evidence");
  let store: InMemoryDisputeStore;
  let sent: Array<{ key: string; dispute: string; texts: Record<string, string>; files: number }>;
  let answers: DisputeEvidenceOutcome[];
  let commands: DisputeCommands;
  let disputeId: string;

  beforeEach(async () => {
    store = storeWithCapturedPayment();
    sent = [];
    answers = [];
    // A PSP that records what reaches it and answers from the script (delivered once the script runs out).
    const psp = {
      name: "stripe",
      async submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
        sent.push({
          key: request.idempotencyKey,
          dispute: request.disputeReference,
          texts: { ...request.texts },
          files: request.files.length,
        });
        return answers.shift() ?? { outcome: "delivered" };
      },
    } as unknown as PaymentServiceProvider;
    commands = new DisputeCommands({
      store,
      now: () => new Date("2026-12-07T00:00:00Z"),
      psps: { byName: (mode, name) => (mode === "TEST" && name === "stripe" ? psp : null) },
    });
    disputeId = await openDispute(commands);
  });

  const submit = (key: string) =>
    commands.submitEvidence({
      disputeId,
      merchantId: "mer_1",
      mode: "TEST",
      actor: { kind: "merchant", apiKeyId: "key_1" },
      idempotencyKey: key,
      texts: { productDescription: "A blue teapot" },
      files: [{ filename: "receipt.pdf", sniffedContentType: "application/pdf", bytes: PDF }],
    });

  it("sends stored evidence once with its own key, records DELIVERED with an audit event, and never resends", async () => {
    const result = await submit("ev-1");
    expect(sent).toEqual([
      {
        key: `${disputeId}:ev${result.evidence.id}`,
        dispute: "du_test1",
        texts: { productDescription: "A blue teapot" },
        files: 1,
      },
    ]);
    expect(store.forwards.get(result.evidence.id)?.status).toBe("DELIVERED");
    expect(store.forwardEvents.map((event) => event.type)).toEqual(["dispute.evidence_delivered"]);
    await submit("ev-1");
    expect(await commands.forwardDueEvidence(10)).toEqual({ tried: 0, delivered: 0 });
    expect(await commands.forwardEvidence(result.evidence.id)).toMatchObject({ status: null });
    expect(sent).toHaveLength(1);
  });

  it("a timeout is UNKNOWN and the worker's pass resends it with the same key until delivered", async () => {
    answers.push({ outcome: "unknown", message: "timeout" });
    const result = await submit("ev-1");
    expect(store.forwards.get(result.evidence.id)).toMatchObject({ status: "UNKNOWN", lastError: "timeout" });
    expect(await commands.forwardDueEvidence(10)).toEqual({ tried: 1, delivered: 1 });
    expect(sent.map((s) => s.key)).toEqual([sent[0]!.key, sent[0]!.key]);
    expect(store.forwards.get(result.evidence.id)?.status).toBe("DELIVERED");
    expect(store.forwardEvents.map((event) => event.type)).toEqual([
      "dispute.evidence_delivery_unknown",
      "dispute.evidence_delivered",
    ]);
  });

  it("a refusal is final (REJECTED, with the PSP reason): never sent again", async () => {
    answers.push({ outcome: "rejected", code: "dispute_closed", message: "closed" });
    const result = await submit("ev-1");
    expect(store.forwards.get(result.evidence.id)).toMatchObject({
      status: "REJECTED",
      lastError: "dispute_closed: closed",
    });
    expect(await commands.forwardDueEvidence(10)).toEqual({ tried: 0, delivered: 0 });
  });

  it("a PSP the router cannot give (a disabled live account) leaves the evidence UNKNOWN to resend", async () => {
    const orphan = new DisputeCommands({ store, now: () => new Date(), psps: { byName: () => null } });
    const result = await orphan.submitEvidence({
      disputeId,
      merchantId: "mer_1",
      mode: "TEST",
      actor: { kind: "merchant", apiKeyId: "key_1" },
      idempotencyKey: "ev-9",
      texts: { productDescription: "A blue teapot" },
      files: [],
    });
    expect(store.forwards.get(result.evidence.id)?.status).toBe("UNKNOWN");
    expect(sent).toHaveLength(0);
  });
});

describe("disputes racing our own calls (nothing a PSP says is ignored)", () => {
  let store: InMemoryDisputeStore;
  let commands: DisputeCommands;
  beforeEach(() => {
    store = new InMemoryDisputeStore();
    commands = new DisputeCommands({ store, now: () => new Date("2026-12-07T00:00:00Z") });
  });
  const adyenChargeback = (extra: Partial<DisputeNotification> = {}) =>
    notification("NEEDS_RESPONSE", "chargeback", {
      pspName: "adyen",
      disputeReference: "DSP1",
      paymentPspReference: "PSP1",
      currency: "EUR",
      ...extra,
    });

  it("a dispute about a payment whose call is still in flight (named by our payment id) asks for redelivery", async () => {
    store.attemptsByPayment.set("pay_1", {
      paymentPspName: "adyen",
      attempts: [{ id: "att_1", pspName: "adyen", status: "PENDING", pspReference: null }],
    });
    const result = await commands.applyNotification(adyenChargeback({ paymentReference: "pay_1" }));
    expect(result).toMatchObject({ applied: false, reason: "in_flight" });
    expect(store.changes).toHaveLength(0);
  });

  it("a dispute about an attempt that failed over to another PSP is filed for an operator, naming the attempt", async () => {
    store.attemptsByPayment.set("pay_2", {
      paymentPspName: "stripe",
      attempts: [
        { id: "att_a", pspName: "adyen", status: "FAILED", pspReference: "PSP1" },
        { id: "att_s", pspName: "stripe", status: "SUCCEEDED", pspReference: "pi_2" },
      ],
    });
    const result = await commands.applyNotification(adyenChargeback());
    expect(result).toMatchObject({
      applied: false,
      reason: "failed_over",
      attemptId: "att_a",
      paymentId: "pay_2",
    });
    expect(result.applied ? "" : result.detail).toContain("failed over to stripe");
    expect(store.changes).toHaveLength(0);
  });

  it("a Stripe dispute naming only a PaymentIntent we have not recorded asks for redelivery while an authorization at that PSP waits for its answer", async () => {
    const stripeDispute = notification("NEEDS_RESPONSE", "chargeback", {
      pspName: "stripe",
      disputeReference: "du_1",
      paymentPspReference: "pi_unrecorded",
      currency: "USD",
      mode: "TEST",
    });
    // Only at another PSP, or older than the window: not ours to wait for.
    store.unreferencedInFlight.push({ pspName: "adyen", createdAt: new Date("2026-12-06T23:59:00Z") });
    store.unreferencedInFlight.push({ pspName: "stripe", createdAt: new Date("2026-12-06T23:40:00Z") });
    expect(await commands.applyNotification(stripeDispute)).toMatchObject({ reason: "unknown_payment" });
    store.unreferencedInFlight.push({ pspName: "stripe", createdAt: new Date("2026-12-06T23:59:00Z") });
    expect(await commands.applyNotification(stripeDispute)).toMatchObject({
      applied: false,
      reason: "in_flight",
    });
    expect(store.changes).toHaveLength(0);
  });

  it("a Stripe dispute whose authorization is answered between our two reads is applied, not an unknown payment", async () => {
    const stripeDispute = notification("NEEDS_RESPONSE", "chargeback", {
      pspName: "stripe",
      disputeReference: "du_race",
      paymentPspReference: "pi_race",
      currency: "USD",
      mode: "TEST",
    });
    // The first read finds no payment with the reference; by the in-flight check our answer is recorded: the
    // reference is written and no authorization waits any more.
    const inFlightCheck = store.hasUnreferencedAuthorizationInFlight.bind(store);
    store.hasUnreferencedAuthorizationInFlight = async (...args) => {
      store.payments.set("stripe:pi_race", {
        id: "pay_race",
        merchantId: "mer_1",
        mode: "TEST",
        currency: USD,
        amountCapturedMinor: 5_000n,
        pspName: "stripe",
      });
      return inFlightCheck(...args);
    };
    const result = await commands.applyNotification(stripeDispute);
    expect(result).toMatchObject({ applied: true });
    expect(store.changes).toHaveLength(1);
  });

  it("a dispute about nothing of ours is an unknown payment", async () => {
    const result = await commands.applyNotification(adyenChargeback({ paymentReference: "pay_404" }));
    expect(result).toMatchObject({ applied: false, reason: "unknown_payment" });
  });
});
