// Goal: disputes driven end to end from the sandbox PSP server, on real Postgres: each dispute test card (Stripe's
// 0259, 1976, 2685, and the Adyen-style PSP's own notification sequence for them) and the sandbox's dispute
// endpoint open a dispute through the signed webhooks; evidence submitted through the merchant API is forwarded
// to the PSP through its SDK (delivered once, even when the first try times out) and decides the dispute; the
// money moves once per position and the ledger invariant holds after every scenario.
import { randomBytes } from "node:crypto";
import { hmacValidator } from "@adyen/api-library";
import type { SandboxHandle } from "@paycore/psp-sandbox/sandbox-server";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSandboxTestApp, type SandboxTestApp } from "../src/testing/sandbox-test-app";
import { newKey, TEST_FIXTURE_ACTOR, type TestApp, type TestMerchant } from "../src/testing/test-app";

/** The default dispute fee: 15 major units. */
const DEFAULT_FEE_MINOR = 1_500n;
const SUBMIT = `mutation($input: SubmitDisputeEvidenceInput!) { submitDisputeEvidence(input: $input) {
  dispute { id status evidenceDelivery } evidence { delivery { status attempts } } errors { code } } }`;

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;
let secrets: SandboxTestApp["secrets"];

beforeAll(async () => {
  ({ sandbox, t, merchant, secrets } = await createSandboxTestApp({
    sandbox: {
      seed: 171,
      hangMs: 3_000,
      timings: { disputeOpenDelayMs: 20, disputeDecisionDelayMs: 50, modificationDelayMs: 20 },
      // A notice that is answered "retry later" or not in time is resent for about 16 s, as a PSP resends for days.
      // With 10 attempts up to 500 ms apart (4 s), a CI run on loaded cores once never saw the CHARGEBACK.
      webhookRetry: { attemptsMax: 20, initialDelayMs: 50, maxDelayMs: 1_000, timeoutMs: 5_000 },
    },
    app: { pspTimeoutMs: 1_000 },
  }));
}, 60_000);

afterEach(async () => {
  sandbox.clearFaults();
  await t.expectLedgerBalanced();
});

afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A captured payment with this card (Adyen's capture settles by notification: waited for, bounded). */
async function captured(number: string, currency: "USD" | "EUR", amount = "8000") {
  const method = await t.tokenize(merchant.publishableKey, number);
  const created = await t.gql<{ createPayment: { payment: { id: string } } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } errors { code } } }`,
    { input: { idempotencyKey: newKey(), amount, currency, paymentMethodId: method } },
  );
  const id = created.data?.createPayment.payment.id;
  if (!id) throw new Error(`not created: ${created.raw}`);
  return until(`payment ${id} captured`, async () => {
    const row = await t.app.db.payment.findUniqueOrThrow({
      where: { id },
      select: { id: true, status: true, pspReference: true },
    });
    return row.status === "CAPTURED" && row.pspReference ? { id, pspReference: row.pspReference } : null;
  });
}

function disputeOf(paymentId: string, status?: string) {
  return until(`a ${status ?? "any"} dispute on ${paymentId}`, async () => {
    const dispute = await t.app.db.dispute.findFirst({ where: { paymentId } });
    return dispute && (status === undefined || dispute.status === status) ? dispute : null;
  });
}

async function merchantBalance(currency: string): Promise<bigint> {
  const rows = await t.app.db.$queryRaw<Array<{ balance: string }>>`
    SELECT COALESCE(SUM(CASE l.direction WHEN 'CREDIT' THEN l.amount_minor ELSE -l.amount_minor END), 0)::text
           AS balance
      FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
     WHERE a.merchant_id = ${merchant.id} AND a.code = 'merchant_balance' AND a.currency = ${currency}`;
  return BigInt(rows[0]?.balance ?? "0");
}

async function ledgerKinds(disputeId: string): Promise<string[]> {
  const entries = await t.app.db.journalEntry.findMany({
    where: { disputeId },
    orderBy: { createdAt: "asc" },
    select: { kind: true },
  });
  return entries.map((entry) => entry.kind);
}

async function submitEvidence(disputeId: string, key = newKey()) {
  const result = await t.gql<{
    submitDisputeEvidence: {
      dispute: { status: string; evidenceDelivery: string | null } | null;
      evidence: { delivery: { status: string; attempts: number } | null } | null;
      errors: Array<{ code: string }>;
    };
  }>(merchant.secretKey, SUBMIT, {
    input: {
      idempotencyKey: key,
      disputeId,
      productDescription: "A hand-made lamp",
      shippingTracking: "TRACK-2026-0042",
    },
  });
  const payload = result.data?.submitDisputeEvidence;
  expect(payload?.errors, result.raw).toEqual([]);
  return payload!;
}

const PDF_BYTES = new TextEncoder().encode("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
const PNG_BYTES = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** Evidence with files, as the merchant API takes them (the GraphQL multipart request spec). */
async function submitEvidenceWithFiles(
  disputeId: string,
  files: Array<{ name: string; bytes: Uint8Array; type: string; kind?: string }>,
) {
  const form = new FormData();
  const kinds = files.every((file) => file.kind === undefined) ? {} : { fileKinds: files.map((f) => f.kind) };
  const input = { idempotencyKey: newKey(), disputeId, productDescription: "A hand-made lamp", ...kinds };
  form.append(
    "operations",
    JSON.stringify({ query: SUBMIT, variables: { input: { ...input, files: files.map(() => null) } } }),
  );
  form.append(
    "map",
    JSON.stringify(
      Object.fromEntries(files.map((_, index) => [String(index), [`variables.input.files.${index}`]])),
    ),
  );
  files.forEach((file, index) => {
    form.append(String(index), new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  });
  const response = await t.app.http.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { authorization: `Bearer ${merchant.secretKey}`, "graphql-require-preflight": "1" },
    body: form,
  });
  const body = (await response.json()) as {
    data?: { submitDisputeEvidence: { evidence: { delivery: { status: string } | null } | null } };
  };
  return body.data?.submitDisputeEvidence;
}

function sandboxDispute(paymentPspReference: string) {
  return sandbox.disputes().find((dispute) => dispute.paymentPspReference === paymentPspReference);
}

describe("Stripe-style dispute cards", () => {
  it("4000 0000 0000 2685: disputed, evidence forwarded with disputes.update, then WON: the amount comes back, the fee stays", async () => {
    const payment = await captured("4000000000002685", "USD");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    await until("funds withdrawn", async () => (await disputeOf(payment.id)).fundsWithdrawn);
    expect((await disputeOf(payment.id)).feeMinor).toBe(DEFAULT_FEE_MINOR);
    const withdrawn = await merchantBalance("USD");
    const submitted = await submitEvidence(open.id);
    expect(submitted.evidence?.delivery).toEqual({ status: "DELIVERED", attempts: 1 });
    expect(submitted.dispute?.evidenceDelivery).toBe("DELIVERED");
    expect(sandboxDispute(payment.pspReference)?.evidence[0]?.fields).toMatchObject({
      product_description: "A hand-made lamp",
      shipping_tracking_number: "TRACK-2026-0042",
    });
    const won = await disputeOf(payment.id, "WON");
    expect(won.fundsWithdrawn).toBe(false);
    expect(await ledgerKinds(won.id)).toEqual(["dispute.funds_withdrawn", "dispute.funds_reinstated"]);
    // The disputed amount is back; the fee is not.
    expect(await merchantBalance("USD")).toBe(withdrawn + 8_000n);
  });

  it("4000 0000 0000 0259: disputed as fraudulent; evidence delivered, the dispute LOST, the money stays out", async () => {
    const payment = await captured("4000000000000259", "USD");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    expect(open).toMatchObject({ reason: "fraudulent", reasonCode: "10.4", amountMinor: 8_000n });
    await submitEvidence(open.id);
    const lost = await disputeOf(payment.id, "LOST");
    expect(lost.fundsWithdrawn).toBe(true);
    expect(await ledgerKinds(lost.id)).toEqual(["dispute.funds_withdrawn"]);
  });

  it("4000 0000 0000 1976: an inquiry moves no money; evidence closes it as won at the inquiry stage", async () => {
    const payment = await captured("4000000000001976", "USD");
    const inquiry = await disputeOf(payment.id, "INQUIRY");
    expect(inquiry.stage).toBe("inquiry");
    await submitEvidence(inquiry.id);
    const closed = await disputeOf(payment.id, "WON");
    expect(closed.stage).toBe("inquiry");
    expect(await ledgerKinds(closed.id)).toEqual([]);
  });

  it("evidence files are uploaded through Stripe's Files API and referenced by kind in the evidence fields", async () => {
    const payment = await captured("4000000000002685", "USD");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    const submitted = await submitEvidenceWithFiles(open.id, [
      { name: "receipt.pdf", bytes: PDF_BYTES, type: "application/pdf", kind: "RECEIPT" },
      { name: "photo.png", bytes: PNG_BYTES, type: "image/png", kind: "UNCATEGORIZED" },
    ]);
    expect(submitted?.evidence?.delivery?.status).toBe("DELIVERED");
    const [received] = sandboxDispute(payment.pspReference)!.evidence;
    expect(received!.fields).toMatchObject({
      receipt: expect.stringMatching(/^file_/),
      uncategorized_file: expect.stringMatching(/^file_/),
      product_description: "A hand-made lamp",
    });
    // The sandbox accepted them only as files of our account: each reference is one of our uploads.
    expect(received!.documents).toEqual([
      { name: "receipt", bytes: PDF_BYTES.byteLength, contentType: "application/pdf" },
      { name: "uncategorized_file", bytes: PNG_BYTES.byteLength, contentType: "image/png" },
    ]);
    expect(received!.fields.uncategorized_text ?? "").not.toContain("receipt.pdf");
    await disputeOf(payment.id, "WON");
  });

  it("each kind of document reaches the sandbox in Stripe's field for it, whatever the file is called", async () => {
    const fieldOf: Record<string, string> = {
      RECEIPT: "receipt",
      CUSTOMER_COMMUNICATION: "customer_communication",
      SHIPPING_DOCUMENTATION: "shipping_documentation",
      REFUND_POLICY: "refund_policy",
      CANCELLATION_POLICY: "cancellation_policy",
      CUSTOMER_SIGNATURE: "customer_signature",
      SERVICE_DOCUMENTATION: "service_documentation",
      DUPLICATE_CHARGE_DOCUMENTATION: "duplicate_charge_documentation",
      UNCATEGORIZED: "uncategorized_file",
    };
    const kinds = Object.keys(fieldOf);
    // A PDF of its own length per kind, named so that no name could give its kind away.
    const fileOf = (kind: string) => ({
      name: `scan-${kinds.indexOf(kind)}.pdf`,
      bytes: new TextEncoder().encode(`%PDF-1.4\n%${"k".repeat(kinds.indexOf(kind) + 1)}\n%%EOF\n`),
      type: "application/pdf",
      kind,
    });
    // Three files per submission (the limit), so three disputes cover the nine kinds.
    for (let first = 0; first < kinds.length; first += 3) {
      const files = kinds.slice(first, first + 3).map(fileOf);
      const payment = await captured("4000000000002685", "USD");
      const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
      const submitted = await submitEvidenceWithFiles(open.id, files);
      expect(submitted?.evidence?.delivery?.status).toBe("DELIVERED");
      const stored = await t.app.db.storedFile.findMany({
        where: { merchantId: merchant.id, filename: { in: files.map((file) => file.name) } },
        orderBy: { createdAt: "desc" },
        take: files.length,
        select: { filename: true, evidenceKind: true },
      });
      expect(new Map(stored.map((file) => [file.filename, file.evidenceKind]))).toEqual(
        new Map(files.map((file) => [file.name, file.kind])),
      );
      const [received] = sandboxDispute(payment.pspReference)!.evidence;
      // The sandbox took each field's id only as a file of our account that exists: one document per field.
      expect(received!.documents).toEqual(
        files.map((file) => ({
          name: fieldOf[file.kind],
          bytes: file.bytes.byteLength,
          contentType: "application/pdf",
        })),
      );
      for (const file of files) expect(received!.fields[fieldOf[file.kind]!]).toMatch(/^file_/);
      expect(received!.fields.uncategorized_text ?? "").not.toContain("Further documents");
      await disputeOf(payment.id, "WON");
    }
  });

  it("fileKinds must name one kind per file: otherwise EVIDENCE_INVALID and nothing is stored", async () => {
    const payment = await captured("4000000000002685", "USD");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    const form = new FormData();
    const input = {
      idempotencyKey: newKey(),
      disputeId: open.id,
      files: [null],
      fileKinds: ["RECEIPT", "RECEIPT"],
    };
    form.append("operations", JSON.stringify({ query: SUBMIT, variables: { input } }));
    form.append("map", JSON.stringify({ "0": ["variables.input.files.0"] }));
    form.append("0", new Blob([PDF_BYTES], { type: "application/pdf" }), "receipt.pdf");
    const response = await t.app.http.fetch("http://localhost/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${merchant.secretKey}`, "graphql-require-preflight": "1" },
      body: form,
    });
    const body = (await response.json()) as {
      data?: { submitDisputeEvidence: { errors: Array<{ code: string }> } };
    };
    expect(body.data?.submitDisputeEvidence.errors).toEqual([{ code: "EVIDENCE_INVALID" }]);
    expect(await t.app.db.disputeEvidence.count({ where: { disputeId: open.id } })).toBe(0);
    expect((await disputeOf(open.paymentId)).status).toBe("NEEDS_RESPONSE");
  });

  it("the 2685 card undefended past its due date (triggered) is LOST", async () => {
    const payment = await captured("4000000000002685", "USD");
    await disputeOf(payment.id, "NEEDS_RESPONSE");
    const id = sandboxDispute(payment.pspReference)!.id;
    const expired = await fetch(`${sandbox.url}/__sandbox/disputes/${id}/expire`, { method: "POST" });
    expect(expired.status).toBe(200);
    expect((await disputeOf(payment.id, "LOST")).fundsWithdrawn).toBe(true);
  });
});

describe("Adyen-style dispute cards (its own notification sequence)", () => {
  it("the 2685 card: NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, evidence through the Disputes API, CHARGEBACK_REVERSED: WON", async () => {
    const payment = await captured("4000000000002685", "EUR");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    await until("the CHARGEBACK", async () => (await disputeOf(payment.id)).stage === "chargeback");
    const submitted = await submitEvidence(open.id);
    expect(submitted.evidence?.delivery?.status).toBe("DELIVERED");
    // Defence documents (the texts rendered as one PDF: live Adyen takes PDF, JPEG and TIFF), then the defence.
    expect(sandboxDispute(payment.pspReference)?.evidence.map((e) => e.documents.length)).toEqual([1, 0]);
    expect(sandboxDispute(payment.pspReference)?.evidence[0]?.documents[0]).toMatchObject({
      contentType: "application/pdf",
    });
    const won = await disputeOf(payment.id, "WON");
    expect(await ledgerKinds(won.id)).toEqual(["dispute.funds_withdrawn", "dispute.funds_reinstated"]);
  });

  it("the 0259 card defended: CHARGEBACK_REVERSED then SECOND_CHARGEBACK, LOST at the second chargeback", async () => {
    const payment = await captured("4000000000000259", "EUR");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    await until("the CHARGEBACK", async () => (await disputeOf(payment.id)).stage === "chargeback");
    await submitEvidence(open.id);
    const lost = await until("the second chargeback", async () => {
      const dispute = await disputeOf(payment.id);
      return dispute.status === "LOST" && dispute.stage === "second_chargeback" ? dispute : null;
    });
    expect(lost.fundsWithdrawn).toBe(true);
    // However the reversal and the second chargeback arrived, the money is out once more than it came back.
    const kinds = await ledgerKinds(lost.id);
    expect(kinds.filter((kind) => kind === "dispute.funds_withdrawn").length).toBe(
      kinds.filter((kind) => kind === "dispute.funds_reinstated").length + 1,
    );
  });

  it("files go as PDF or JPEG: a PNG is wrapped in a PDF; the sandbox checks each document's type and bytes", async () => {
    const payment = await captured("4000000000002685", "EUR");
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    await until("the CHARGEBACK", async () => (await disputeOf(payment.id)).stage === "chargeback");
    const submitted = await submitEvidenceWithFiles(open.id, [
      { name: "receipt.pdf", bytes: PDF_BYTES, type: "application/pdf", kind: "RECEIPT" },
      { name: "photo.png", bytes: PNG_BYTES, type: "image/png", kind: "SHIPPING_DOCUMENTATION" },
    ]);
    expect(submitted?.evidence?.delivery?.status).toBe("DELIVERED");
    // One supplyDefenseDocument call per document, then defendDispute.
    const evidence = sandboxDispute(payment.pspReference)!.evidence;
    const documents = evidence.flatMap((e) => e.documents);
    // Each under the type code its kind maps to among those the sandbox lists for this dispute
    // (retrieveApplicableDefenseReasons): the receipt as TIDorInvoice; a kind no specific code fits, and the
    // texts' PDF, as DefenseMaterial; defended with the reason those types belong to.
    expect(documents.map((document) => document.name)).toEqual([
      "TIDorInvoice",
      "DefenseMaterial",
      "DefenseMaterial",
    ]);
    expect(evidence.at(-1)?.fields).toEqual({ defenseReasonCode: "SupplyDefenseMaterial" });
    // The PDF as it is, the PNG in a PDF, the texts in a PDF.
    expect(documents.map((document) => document.contentType)).toEqual([
      "application/pdf",
      "application/pdf",
      "application/pdf",
    ]);
    expect(documents[0]!.bytes).toBe(PDF_BYTES.byteLength);
    await disputeOf(payment.id, "WON");
  });

  it("the 0259 card undefended: DISPUTE_DEFENSE_PERIOD_ENDED makes it LOST", async () => {
    const payment = await captured("4000000000000259", "EUR");
    await until("the CHARGEBACK", async () => (await disputeOf(payment.id)).stage === "chargeback");
    sandbox.expireDispute(sandboxDispute(payment.pspReference)!.id);
    const lost = await disputeOf(payment.id, "LOST");
    expect(lost).toMatchObject({ stage: "chargeback", fundsWithdrawn: true });
  });
});

describe("the sandbox's dispute endpoint", () => {
  it("opens a dispute on any captured payment with a reason and an amount", async () => {
    const payment = await captured("4242424242424242", "USD", "9000");
    const response = await fetch(`${sandbox.url}/__sandbox/disputes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        psp: "stripe",
        pspReference: payment.pspReference,
        reason: "product_not_received",
        amountMinor: "2500",
      }),
    });
    expect(response.status).toBe(201);
    const dispute = await disputeOf(payment.id, "NEEDS_RESPONSE");
    expect(dispute).toMatchObject({
      reason: "product_not_received",
      reasonCode: "13.1",
      amountMinor: 2_500n,
    });
    const row = await t.app.db.payment.findUniqueOrThrow({
      where: { id: payment.id },
      select: { amountDisputedMinor: true },
    });
    expect(row.amountDisputedMinor).toBe(2_500n);
  });
});

describe("evidence forwarding, attempt before call", () => {
  it("a timeout leaves the evidence UNKNOWN; the worker's pass resends it with the same key: the PSP records it once", async () => {
    const payment = await captured("4242424242424242", "USD");
    sandbox.openDispute("stripe", payment.pspReference, { reason: "general", outcomeOnEvidence: "won" });
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    // The sandbox processes the evidence, then holds its answer past our timeout.
    sandbox.setFaults("stripe", { timeoutRate: 1 });
    const submitted = await submitEvidence(open.id);
    expect(submitted.evidence?.delivery).toEqual({ status: "UNKNOWN", attempts: 1 });
    expect(submitted.dispute?.status).toBe("UNDER_REVIEW");
    sandbox.clearFaults();
    expect(await t.app.services.disputes.forwardDueEvidence(10)).toEqual({ tried: 1, delivered: 1 });
    const forward = await t.app.db.disputeEvidenceForward.findFirstOrThrow({ where: { disputeId: open.id } });
    expect(forward).toMatchObject({ status: "DELIVERED", attempts: 2 });
    expect(sandboxDispute(payment.pspReference)?.evidence).toHaveLength(1);
    expect(await t.app.services.disputes.forwardDueEvidence(10)).toEqual({ tried: 0, delivered: 0 });
    await disputeOf(payment.id, "WON");
    const events = await t.app.db.disputeEvent.findMany({
      where: { disputeId: open.id, type: { startsWith: "dispute.evidence_" } },
      orderBy: { id: "asc" },
      select: { type: true },
    });
    expect(events.map((event) => event.type)).toEqual([
      "dispute.evidence_submitted",
      "dispute.evidence_delivery_unknown",
      "dispute.evidence_delivered",
    ]);
  });
});

describe("the merchant's dispute fee", () => {
  it("an operator sets it per currency (audited); the next withdrawal charges it, other currencies keep the default", async () => {
    const actor = { operatorId: null, name: "ops:dispute-fee-test" };
    const commands = t.app.services.merchantCurrencyCommands;
    const settings = await commands.setDisputeFee(actor, merchant.id, { currency: "EUR", feeMinor: 2_500n });
    expect(settings?.disputeFees).toEqual([{ currency: "EUR", feeMinor: 2_500n }]);
    const audit = await t.app.db.operatorAuditLog.findFirstOrThrow({
      where: { action: "merchant.set_dispute_fee", targetId: merchant.id },
    });
    expect(audit.after).toMatchObject({ actor: "ops:dispute-fee-test", currency: "EUR", feeMinor: "2500" });
    await expect(
      commands.setDisputeFee(actor, merchant.id, { currency: "EUR", feeMinor: -1n }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(
      commands.setDisputeFee(actor, merchant.id, { currency: "XYZ", feeMinor: 1n }),
    ).rejects.toMatchObject({ code: "CURRENCY_INVALID" });

    const eur = await captured("4000000000000259", "EUR");
    await until("the EUR withdrawal", async () => (await disputeOf(eur.id)).fundsWithdrawn);
    expect((await disputeOf(eur.id)).feeMinor).toBe(2_500n);
    const usd = await captured("4000000000000259", "USD");
    await until("the USD withdrawal", async () => (await disputeOf(usd.id)).fundsWithdrawn);
    expect((await disputeOf(usd.id)).feeMinor).toBe(DEFAULT_FEE_MINOR);

    // Removed: the default again for the next dispute.
    await commands.setDisputeFee(actor, merchant.id, { currency: "EUR", feeMinor: null });
    expect(
      (await commands.setDisputeFee(actor, merchant.id, { currency: "EUR", feeMinor: null }))?.disputeFees,
    ).toEqual([]);
  });
});

describe("a dispute racing our own call", () => {
  /** A signed Adyen-style chargeback notification, posted to the app's webhook route. */
  function postAdyenChargeback(paymentReference: string, merchantReference: string) {
    const item = {
      eventCode: "NOTIFICATION_OF_CHARGEBACK",
      success: "true",
      pspReference: `DSP${randomBytes(6).toString("hex").toUpperCase()}`,
      originalReference: paymentReference,
      merchantReference,
      merchantAccountCode: "PaycoreTest",
      reason: "Fraud",
      amount: { value: 8_000, currency: "EUR" },
      eventDate: new Date().toISOString(),
    };
    const hmacSignature = new hmacValidator().calculateHmac(item as never, secrets.adyenHmacKeyHex);
    const body = JSON.stringify({
      live: "false",
      notificationItems: [{ NotificationRequestItem: { ...item, additionalData: { hmacSignature } } }],
    });
    return {
      body,
      send: () =>
        fetch(`${t.url}/webhooks/adyen`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        }),
    };
  }

  it("Stripe: a dispute naming only the PaymentIntent is answered 503 with Retry-After while an authorization is in flight, then applied on the sandbox's redelivery", async () => {
    // The sandbox charges at once and opens the 0259 card's dispute 20 ms later, but holds its answer to our
    // authorization 600 ms (within our 1 s timeout): the dispute's webhook arrives while our call is in flight.
    sandbox.setFaults("stripe", { answerDelayMs: 600 });
    const method = await t.tokenize(merchant.publishableKey, "4000000000000259");
    const created = await t.gql<{ createPayment: { payment: { id: string; status: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } } }`,
      { input: { idempotencyKey: newKey(), amount: "8000", currency: "USD", paymentMethodId: method } },
    );
    sandbox.clearFaults();
    const payment = created.data!.createPayment.payment;
    expect(payment.status).toBe("CAPTURED");
    const row = await t.app.db.payment.findUniqueOrThrow({
      where: { id: payment.id },
      select: { pspReference: true },
    });
    const open = await disputeOf(payment.id, "NEEDS_RESPONSE");
    expect(open).toMatchObject({ reason: "fraudulent", amountMinor: 8_000n });
    // The sandbox's first delivery of charge.dispute.created was refused with 503 and redelivered.
    const delivery = await until("charge.dispute.created delivered", async () =>
      sandbox
        .webhookDeliveries()
        .find(
          (record) =>
            record.eventType === "charge.dispute.created" &&
            record.paymentPspReference === row.pspReference &&
            record.status === "delivered",
        ),
    );
    expect(delivery.attempts).toBeGreaterThan(1);
    expect(await t.app.db.deadLetter.count({ where: { reference: row.pspReference } })).toBe(0);
    await until("funds withdrawn", async () => (await disputeOf(payment.id)).fundsWithdrawn);
  });

  it("Stripe: the route's 503 for a dispute racing our call carries Retry-After", async () => {
    sandbox.setFaults("stripe", { latencyMs: 600 });
    const method = await t.tokenize(merchant.publishableKey, "4242424242424242");
    const creating = t.gql(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      { input: { idempotencyKey: newKey(), amount: "8000", currency: "USD", paymentMethodId: method } },
    );
    await until("an authorization in flight", () =>
      t.app.db.pspAttempt.findFirst({
        where: { pspName: "stripe", operation: "AUTHORIZE", status: "PENDING", pspReference: null },
        select: { id: true },
      }),
    );
    const payload = JSON.stringify({
      id: `evt_${randomBytes(8).toString("hex")}`,
      object: "event",
      type: "charge.dispute.created",
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: `du_${randomBytes(6).toString("hex")}`,
          object: "dispute",
          amount: 8_000,
          currency: "usd",
          status: "needs_response",
          reason: "fraudulent",
          payment_intent: "pi_not_recorded_yet",
        },
      },
    });
    const answer = await fetch(`${t.url}/webhooks/stripe`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": new Stripe("sk_test_signing_only").webhooks.generateTestHeaderString({
          payload,
          secret: secrets.stripe,
        }),
      },
      body: payload,
    });
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("5");
    expect(await t.app.db.deadLetter.count({ where: { reference: "pi_not_recorded_yet" } })).toBe(0);
    await creating;
    sandbox.clearFaults();
  });

  it("is answered 503 while the payment's authorization is in flight (not dead-lettered), and applies once it is recorded", async () => {
    // Every Adyen call takes 600 ms (within our 1 s timeout): long enough to race it.
    sandbox.setFaults("adyen", { latencyMs: 600 });
    const method = await t.tokenize(merchant.publishableKey, "5555555555554444");
    const creating = t.gql<{ createPayment: { payment: { id: string } } }>(
      merchant.secretKey,
      `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
      { input: { idempotencyKey: newKey(), amount: "8000", currency: "EUR", paymentMethodId: method } },
    );
    const pending = await until("the payment's intent recorded", () =>
      t.app.db.payment.findFirst({
        where: { merchantId: merchant.id, status: "PENDING", currency: "EUR" },
        orderBy: { createdAt: "desc" },
        select: { id: true },
      }),
    );
    // Sent (and redelivered) while the call runs: every answer given while the attempt was still in flight
    // afterwards is a 503, with nothing written; bounded by the call itself.
    const early = postAdyenChargeback("PSPNOTYETKNOWN", pending.id);
    let inFlightAnswers = 0;
    for (let tries = 0; tries < 100; tries++) {
      const answer = await early.send();
      const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
        where: { paymentId: pending.id, operation: "AUTHORIZE" },
        select: { status: true },
      });
      if (attempt.status !== "PENDING") break;
      expect(answer.status).toBe(503);
      inFlightAnswers++;
      expect(await t.app.db.deadLetter.count({ where: { reference: "PSPNOTYETKNOWN" } })).toBe(0);
      expect(await t.app.db.dispute.count({ where: { paymentId: pending.id } })).toBe(0);
    }
    expect(inFlightAnswers).toBeGreaterThan(0);

    await creating;
    sandbox.clearFaults();
    const payment = await until("captured", async () => {
      const row = await t.app.db.payment.findUniqueOrThrow({
        where: { id: pending.id },
        select: { status: true, pspReference: true },
      });
      return row.status === "CAPTURED" ? row : null;
    });
    // The PSP's redelivery (with the payment's reference) now opens the dispute.
    const redelivered = postAdyenChargeback(payment.pspReference!, pending.id);
    expect((await redelivered.send()).status).toBe(200);
    expect(await disputeOf(pending.id, "NEEDS_RESPONSE")).toMatchObject({ stage: "inquiry" });
  });
});

describe("normal traffic of a payment that fails over", () => {
  it.each([
    ["stripe", "adyen", "payment_intent.payment_failed"],
    ["adyen", "stripe", "AUTHORISATION"],
  ])(
    "%s first, then %s: the first PSP's refusal keeps its reference, and its %s notice leaves no dead letter",
    async (first, second, noticeType) => {
      // A merchant of its own, GBP routed to both PSPs; the sandbox refuses this card with processing_error at
      // either (retryable, nothing charged), so the payment fails over and fails at the second PSP as well.
      const own = await t.createMerchant();
      await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
        merchantId: own.id,
        priority: 1,
        match: { currencies: ["GBP"] },
        pspNames: [first as string, second as string],
      });
      const method = await t.tokenize(own.publishableKey, "4000000000000119");
      const created = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
        own.secretKey,
        `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } } }`,
        { input: { idempotencyKey: newKey(), amount: "2500", currency: "GBP", paymentMethodId: method } },
      );
      const paymentId = created.data?.createPayment.payment?.id;
      if (!paymentId) throw new Error(`not created: ${created.raw}`);
      const attempt = await t.app.db.pspAttempt.findFirstOrThrow({
        where: { paymentId, pspName: first, operation: "AUTHORIZE" },
        select: { status: true, pspReference: true },
      });
      expect(attempt.status).toBe("FAILED");
      expect(attempt.pspReference).toBeTruthy();
      // The first PSP's own failure notice for that attempt, delivered (answered 2xx) by the sandbox.
      await until(`${noticeType} delivered`, async () =>
        sandbox
          .webhookDeliveries()
          .find(
            (record) =>
              record.eventType === noticeType &&
              record.paymentPspReference === attempt.pspReference &&
              record.status === "delivered",
          ),
      );
      expect(await t.app.db.deadLetter.count({ where: { reference: attempt.pspReference } })).toBe(0);
      const payment = await t.app.db.payment.findUniqueOrThrow({
        where: { id: paymentId },
        select: { status: true, pspName: true },
      });
      expect(payment).toEqual({ status: "FAILED", pspName: second });
    },
  );
});
