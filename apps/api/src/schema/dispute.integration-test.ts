// Goal: merchants read their disputes (by id, by payment, as a bounded page) and act on them through the API:
// accepting a dispute, and submitting evidence with files uploaded by the GraphQL multipart request spec, whose
// type is checked by content and whose bytes are stored in Postgres with their SHA-256. Other merchants see
// nothing.
import { createHash, randomBytes } from "node:crypto";
import { hmacValidator } from "@adyen/api-library";
import { EVIDENCE_FILE_MAX_BYTES } from "@paycore/core/disputes/dispute-evidence";
import { type SandboxHandle, startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestApp,
  newKey,
  TEST_FIXTURE_ACTOR,
  type TestApp,
  type TestMerchant,
} from "../testing/test-app";

const ADYEN_KEY = randomBytes(32).toString("hex").toUpperCase();
/** The smallest valid-looking PDF header and a 1×1 PNG: enough for content sniffing. */
const PDF_BYTES = new TextEncoder().encode("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
const PNG_BYTES = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

let sandbox: SandboxHandle;
let t: TestApp;
let merchant: TestMerchant;
let other: TestMerchant;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 23 });
  t = await createTestApp({ pspSandboxUrl: sandbox.url, adyenHmacKeyHex: ADYEN_KEY });
  merchant = await t.createMerchant();
  other = await t.createMerchant();
  await t.app.services.routingRuleCommands.add(TEST_FIXTURE_ACTOR, {
    merchantId: merchant.id,
    priority: 1,
    match: { currencies: ["EUR"] },
    pspNames: ["adyen"],
  });
});
afterAll(async () => {
  await t?.close();
  await sandbox?.stop();
});

/** A captured EUR payment with an open chargeback (Adyen-style CHARGEBACK notification). */
async function disputedPayment(): Promise<{ paymentId: string; disputeId: string }> {
  const card = await t.tokenize(merchant.publishableKey);
  const created = await t.gql<{ createPayment: { payment: { id: string } | null } }>(
    merchant.secretKey,
    `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id } errors { code } } }`,
    { input: { idempotencyKey: newKey(), paymentMethodId: card, amount: "8000", currency: "EUR" } },
  );
  const paymentId = created.data?.createPayment.payment?.id;
  if (!paymentId) throw new Error(created.raw);
  const { pspReference } = await t.app.db.payment.findUniqueOrThrow({
    where: { id: paymentId },
    select: { pspReference: true },
  });
  const notification = {
    eventCode: "CHARGEBACK",
    success: "true",
    pspReference: pspReference as string,
    originalReference: pspReference as string,
    merchantAccountCode: "PaycoreTest",
    merchantReference: "dispute",
    reason: "Fraud",
    amount: { value: 8000, currency: "EUR" },
    eventDate: new Date().toISOString(),
  };
  const hmacSignature = new hmacValidator().calculateHmac(notification as never, ADYEN_KEY);
  const response = await t.app.http.fetch("http://localhost/webhooks/adyen", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      live: "false",
      notificationItems: [
        {
          NotificationRequestItem: {
            ...notification,
            additionalData: { hmacSignature, defensePeriodEndsAt: "2026-12-24T00:00:00Z" },
          },
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
  const dispute = await t.app.db.dispute.findFirstOrThrow({ where: { paymentId }, select: { id: true } });
  return { paymentId, disputeId: dispute.id };
}

const SUBMIT = `mutation($input: SubmitDisputeEvidenceInput!) { submitDisputeEvidence(input: $input) {
  dispute { id status evidenceSubmittedAt }
  evidence { productDescription shippingTracking files { id filename contentType size sha256 } }
  errors { code field } } }`;

/** A GraphQL multipart request (operations, map, then the files). */
async function submitWithFiles(
  key: string,
  input: Record<string, unknown>,
  files: Array<{ name: string; bytes: Uint8Array; type: string }>,
) {
  const form = new FormData();
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
    headers: { authorization: `Bearer ${key}`, "graphql-require-preflight": "1" },
    body: form,
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), raw: text };
}

describe("reading disputes", () => {
  it("by id, on the payment and as a page; other merchants see none of it", async () => {
    const { paymentId, disputeId } = await disputedPayment();
    const byId = await t.gql<{ dispute: Record<string, unknown> }>(
      merchant.secretKey,
      `query($id: ID!) { dispute(id: $id) { id paymentId amount currency status stage reason fundsWithdrawn fee evidenceDueBy } }`,
      { id: disputeId },
    );
    expect(byId.data?.dispute).toEqual({
      id: disputeId,
      paymentId,
      amount: "8000",
      currency: "EUR",
      status: "NEEDS_RESPONSE",
      stage: "chargeback",
      reason: "fraudulent",
      fundsWithdrawn: true,
      fee: "1500",
      evidenceDueBy: "2026-12-24T00:00:00.000Z",
    });
    const onPayment = await t.gql<{ payment: { amountDisputed: string; disputes: Array<{ id: string }> } }>(
      merchant.secretKey,
      `query($id: ID!) { payment(id: $id) { amountDisputed disputes { id } } }`,
      { id: paymentId },
    );
    expect(onPayment.data?.payment).toEqual({ amountDisputed: "8000", disputes: [{ id: disputeId }] });
    const page = await t.gql<{ disputes: { nodes: Array<{ id: string }>; hasNextPage: boolean } }>(
      merchant.secretKey,
      `query { disputes(first: 100, filter: { status: [NEEDS_RESPONSE] }) { nodes { id } hasNextPage } }`,
    );
    expect(page.data?.disputes.nodes.map((node) => node.id)).toContain(disputeId);
    const tooMany = await t.gql(merchant.secretKey, `query { disputes(first: 101) { nodes { id } } }`);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");

    const foreign = await t.gql(other.secretKey, `query($id: ID!) { dispute(id: $id) { id } }`, {
      id: disputeId,
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const foreignPage = await t.gql<{ disputes: { nodes: unknown[] } }>(
      other.secretKey,
      `query { disputes { nodes { id } } }`,
    );
    expect(foreignPage.data?.disputes.nodes).toEqual([]);
  });
});

describe("acceptDispute", () => {
  it("closes the dispute as accepted; accepting again answers the same; other merchants' is not found", async () => {
    const { disputeId } = await disputedPayment();
    const ACCEPT = `mutation($input: AcceptDisputeInput!) { acceptDispute(input: $input) { dispute { status } errors { code } } }`;
    const first = await t.gql<{ acceptDispute: { dispute: { status: string } | null; errors: unknown[] } }>(
      merchant.secretKey,
      ACCEPT,
      { input: { idempotencyKey: newKey(), disputeId } },
    );
    expect(first.data?.acceptDispute).toEqual({ dispute: { status: "ACCEPTED" }, errors: [] });
    const again = await t.gql<{ acceptDispute: { errors: Array<{ code: string }> } }>(
      merchant.secretKey,
      ACCEPT,
      {
        input: { idempotencyKey: newKey(), disputeId },
      },
    );
    expect(again.data?.acceptDispute.errors).toEqual([]);
    const foreign = await t.gql<{ acceptDispute: { errors: Array<{ code: string }> } }>(
      other.secretKey,
      ACCEPT,
      {
        input: { idempotencyKey: newKey(), disputeId },
      },
    );
    expect(foreign.data?.acceptDispute.errors).toEqual([{ code: "DISPUTE_NOT_FOUND" }]);
    // The merchant's events: dispute.created then dispute.closed, each with the dispute's own snapshot.
    const events = await t.app.sql.query<{ type: string; object: Record<string, unknown> }>(
      `SELECT type, payload->'data'->'object' AS object FROM webhook_events WHERE object_id = $1
        ORDER BY (payload->'data'->'object'->>'version')::int`,
      [disputeId],
    );
    expect(events.map((event) => event.type)).toEqual(["dispute.created", "dispute.closed"]);
    expect(events[1]?.object).toMatchObject({ id: disputeId, object: "dispute", status: "ACCEPTED" });
    await t.expectLedgerBalanced();
  });
});

describe("submitDisputeEvidence", () => {
  it("stores texts and files (checksummed, in Postgres), puts the dispute under review, and replays its key", async () => {
    const { disputeId } = await disputedPayment();
    const key = newKey("evidence");
    const input = {
      idempotencyKey: key,
      disputeId,
      productDescription: "Teapot, delivered",
      shippingTracking: "TRK-1",
    };
    const files = [
      { name: "receipt.pdf", bytes: PDF_BYTES, type: "application/pdf" },
      { name: "signature.png", bytes: PNG_BYTES, type: "image/png" },
    ];
    const first = await submitWithFiles(merchant.secretKey, input, files);
    expect(first.status, first.raw).toBe(200);
    const payload = first.body.data.submitDisputeEvidence;
    expect(payload.errors).toEqual([]);
    expect(payload.dispute.status).toBe("UNDER_REVIEW");
    expect(payload.evidence.files).toMatchObject([
      { filename: "receipt.pdf", contentType: "application/pdf", size: PDF_BYTES.byteLength },
      { filename: "signature.png", contentType: "image/png", size: PNG_BYTES.byteLength },
    ]);
    const stored = await t.app.db.storedFile.findUniqueOrThrow({
      where: { id: payload.evidence.files[0].id },
    });
    expect(Buffer.from(stored.content).equals(Buffer.from(PDF_BYTES))).toBe(true);
    expect(stored.sha256).toBe(createHash("sha256").update(PDF_BYTES).digest("hex"));

    const replay = await submitWithFiles(merchant.secretKey, input, files);
    expect(replay.body.data.submitDisputeEvidence.errors, replay.raw).toEqual([]);
    expect(replay.body.data.submitDisputeEvidence.evidence.files.map((f: { id: string }) => f.id)).toEqual(
      payload.evidence.files.map((f: { id: string }) => f.id),
    );
    expect(await t.app.db.disputeEvidence.count({ where: { disputeId } })).toBe(1);
    const events = await t.app.db.disputeEvent.findMany({
      where: { disputeId },
      orderBy: { id: "asc" },
      select: { type: true },
    });
    // Forwarded once (the replay sends nothing): this suite's dispute exists only in our database (made by a
    // notification this test sent, not by the sandbox PSP), so the PSP answers that it has no such dispute.
    expect(events.map((event) => event.type)).toEqual([
      "dispute.created",
      "dispute.evidence_submitted",
      "dispute.evidence_rejected",
    ]);
    await t.expectLedgerBalanced();
  });

  it("refuses a file whose content is not PDF, PNG or JPEG, whatever it claims, or too large, and stores nothing", async () => {
    const { disputeId } = await disputedPayment();
    const before = await t.app.db.storedFile.count();
    const fake = await submitWithFiles(
      merchant.secretKey,
      { idempotencyKey: newKey("evidence"), disputeId, productDescription: "x" },
      [
        {
          name: "invoice.pdf",
          bytes: new TextEncoder().encode("<html>not a pdf</html>"),
          type: "application/pdf",
        },
      ],
    );
    expect(fake.body.data.submitDisputeEvidence.errors).toEqual([
      { code: "EVIDENCE_INVALID", field: ["files", "0"] },
    ]);
    // A real PDF one byte past the limit: refused by its size before its content is read.
    const oversized = new Uint8Array(EVIDENCE_FILE_MAX_BYTES + 1).fill(0x20);
    oversized.set(PDF_BYTES);
    const tooBig = await submitWithFiles(
      merchant.secretKey,
      { idempotencyKey: newKey("evidence"), disputeId, productDescription: "x" },
      [{ name: "invoice.pdf", bytes: oversized, type: "application/pdf" }],
    );
    console.log("RAW", tooBig.status, tooBig.raw.slice(0, 600));
    expect(tooBig.body.data.submitDisputeEvidence.errors, tooBig.raw).toEqual([
      { code: "EVIDENCE_INVALID", field: ["files", "0"] },
    ]);
    const tooLong = await submitWithFiles(
      merchant.secretKey,
      { idempotencyKey: newKey("evidence"), disputeId, shippingTracking: "t".repeat(501) },
      [],
    );
    expect(tooLong.body.data.submitDisputeEvidence.errors).toEqual([
      { code: "EVIDENCE_INVALID", field: ["shippingTracking"] },
    ]);
    expect(await t.app.db.storedFile.count()).toBe(before);
    expect((await t.app.db.dispute.findUniqueOrThrow({ where: { id: disputeId } })).status).toBe(
      "NEEDS_RESPONSE",
    );
  });
});
