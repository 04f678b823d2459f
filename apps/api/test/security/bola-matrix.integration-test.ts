// The object-level authorization matrix, generated from the schema rather than listed by hand: every query
// and mutation that takes an object id (as an argument or in its input) is called with another merchant's
// ids, and with the owner's own key of the other mode. Each call must be refused as NOT_FOUND (or FORBIDDEN
// for operator-only fields) and write nothing. A field added later is covered without editing this file; a
// field whose id names an object kind this file has no fixture for fails until one is added.

import { startSandbox } from "@paycore/psp-sandbox/sandbox-server";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index";
import {
  createTestApp,
  type GraphQLResponse,
  newKey,
  type TestApp,
  type TestMerchant,
} from "../../src/testing/test-app";

/**
 * The object kinds an id argument can name, from its name: `paymentId` → payment; `id` on `refund(id)` → refund;
 * `id` on `deleteWebhookEndpoint(input.id)` → webhookEndpoint; `id` on `node(id)` → any kind. A few positions name
 * something narrower than their name says (see FIELD_KINDS).
 */
type ObjectKind =
  | "payment"
  | "paymentMethod"
  | "refund"
  | "node"
  | "dispute"
  | "invoice"
  | "webhookEndpoint"
  | "event"
  | "receiptPayment"
  | "disputedPayment"
  | "eventObject"
  | "payout"
  | "bankAccount"
  | "payoutFilter"
  | "checkoutSession"
  | "publishableKey";
type Fixtures = Record<ObjectKind, string[]>;

/**
 * Positions whose kind is not the one their name gives: `receipt(paymentId)` answers only for a captured payment
 * that asked for a receipt; `disputes(filter.paymentId)` and `events(filter.objectId)` are filters, not accesses.
 */
const FIELD_KINDS: Record<string, ObjectKind> = {
  "receipt(paymentId)": "receiptPayment",
  "disputes(filter.paymentId)": "disputedPayment",
  "events(filter.objectId)": "eventObject",
  "balanceTransactions(filter.payoutId)": "payoutFilter",
};

/**
 * Filter kinds: another merchant's id (or the other mode's) narrows the caller's own list to nothing. Refused
 * means an empty page and no errors, not an error (an error would say that the id exists somewhere).
 */
const FILTER_KINDS: ReadonlySet<ObjectKind> = new Set(["disputedPayment", "eventObject", "payoutFilter"]);

interface GeneratedCall {
  operation: "query" | "mutation";
  field: string;
  /** Where the id goes, e.g. `input.paymentId`. */
  idPath: string;
  kind: ObjectKind;
  /** The field's type is nullable: a lookup may answer "no such object" with null (Relay's convention). */
  nullable: boolean;
  /**
   * `siblings` fills the input's other id fields (replayWebhookEvent's eventId next to its endpointId), so that
   * the refusal is decided by the id under test and not by a sample that names nothing.
   */
  build(id: string, siblings?: Partial<Fixtures>): { document: string; variables: Record<string, unknown> };
}

/** Codes that mean "refused without saying whether the object exists". */
const REFUSED_TOP_LEVEL = new Set(["NOT_FOUND", "FORBIDDEN"]);
const REFUSED_PAYLOAD = /_NOT_FOUND$/;

function objectKindOf(argumentName: string, fieldName: string, idPath: string): ObjectKind | null {
  const special = FIELD_KINDS[`${fieldName}(${idPath})`];
  if (special) return special;
  if (argumentName === "endpointId") return "webhookEndpoint";
  const base =
    argumentName === "id"
      ? fieldName.replace(/^(delete|disable|enable|update|roll)(?=[A-Z])/, "").replace(/Secret$/, "")
      : argumentName.replace(/Id$/, "");
  if (base === argumentName) return null; // a plain string that merely ends differently
  return `${base[0]?.toLowerCase()}${base.slice(1)}` as ObjectKind;
}

function isIdType(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return isScalarType(named) && named.name === "ID";
}

/** A valid value for a required input of this type, so that only the id decides the outcome. */
function sampleValue(type: GraphQLInputType, name: string): unknown {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return [];
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  if (isInputObjectType(inner)) return requiredFields(inner.getFields());
  if (!isScalarType(inner)) throw new Error(`no sample for ${String(inner)}`);
  if (name === "idempotencyKey") return newKey("bola");
  switch (inner.name) {
    case "MinorUnits":
      return "100";
    case "CurrencyCode":
      return "USD";
    case "Int":
      return 1;
    case "Boolean":
      return false;
    case "Metadata":
      return {};
    default:
      return "bola-sample";
  }
}

/**
 * Optional input fields an input needs to get past its own validation to the id lookup (evidence with nothing in
 * it is EVIDENCE_INVALID before the dispute is looked up, which would say nothing about the id).
 */
const INPUT_SAMPLES: Record<string, Record<string, unknown>> = {
  SubmitDisputeEvidenceInput: { productDescription: "A sample product description." },
  // Two micro-deposit amounts, so that the account's lookup (not the amounts' validation) decides.
  VerifyBankAccountInput: { amounts: ["12", "34"] },
};

function requiredFields(
  fields: Record<string, { type: GraphQLInputType; defaultValue?: unknown }>,
): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields)) {
    if (isNonNullType(field.type) && field.defaultValue === undefined)
      value[name] = sampleValue(field.type, name);
  }
  return value;
}

/**
 * `errors { code }` and every other field for payloads (a refused payload's `secret` or `deliveryId` must be null
 * too), `__typename` for any other object: enough to see what came back.
 */
function selectionFor(type: GraphQLNamedType): string {
  if (isInterfaceType(type)) return "{ __typename }";
  if (!isObjectType(type)) return "";
  const fields = (type as GraphQLObjectType).getFields();
  const isPayload = "errors" in fields;
  const parts = ["__typename"];
  for (const [name, field] of Object.entries(fields)) {
    const named = getNamedType(field.type);
    if (field.args.length > 0) continue;
    if (name === "errors") parts.push("errors { code }");
    else if (isObjectType(named) || isInterfaceType(named)) parts.push(`${name} { __typename }`);
    else if (isPayload) parts.push(name);
  }
  return `{ ${parts.join(" ")} }`;
}

function variableType(argument: GraphQLArgument): string {
  return String(argument.type);
}

/** Every (field, id position) pair in the schema. */
function generateCalls(): GeneratedCall[] {
  const calls: GeneratedCall[] = [];
  const roots = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
  ] as const;
  for (const [operation, root] of roots) {
    for (const field of Object.values(root?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
      const selection = selectionFor(getNamedType(field.type));
      const declare = field.args.map((a) => `$${a.name}: ${variableType(a)}`).join(", ");
      const pass = field.args.map((a) => `${a.name}: $${a.name}`).join(", ");
      const document = `${operation}${declare ? `(${declare})` : ""} { ${field.name}${pass ? `(${pass})` : ""} ${selection} }`;
      const baseVariables = () => {
        const variables: Record<string, unknown> = {};
        for (const a of field.args) {
          if (isNonNullType(a.type) && a.defaultValue === undefined)
            variables[a.name] = sampleValue(a.type, a.name);
        }
        return variables;
      };
      const nullable = !isNonNullType(field.type);
      for (const argument of field.args) {
        if (isIdType(argument.type)) {
          const kind = objectKindOf(argument.name, field.name, argument.name);
          if (!kind) continue;
          calls.push({
            operation,
            field: field.name,
            idPath: argument.name,
            kind,
            nullable,
            build: (id) => ({ document, variables: { ...baseVariables(), [argument.name]: id } }),
          });
          continue;
        }
        const input = getNamedType(argument.type);
        if (!isInputObjectType(input)) continue;
        const inputFields = input.getFields();
        for (const [name, inputField] of Object.entries(inputFields)) {
          if (!isIdType(inputField.type)) continue;
          const kind = objectKindOf(name, field.name, `${argument.name}.${name}`);
          if (!kind) continue;
          calls.push({
            operation,
            field: field.name,
            idPath: `${argument.name}.${name}`,
            kind,
            nullable,
            build: (id, siblings = {}) => {
              const variables = baseVariables();
              const value: Record<string, unknown> = {
                ...requiredFields(inputFields),
                ...INPUT_SAMPLES[input.name],
                [name]: id,
              };
              for (const [other, otherField] of Object.entries(inputFields)) {
                if (other === name || !isIdType(otherField.type) || !isNonNullType(otherField.type)) continue;
                const otherKind = objectKindOf(other, field.name, `${argument.name}.${other}`);
                const sibling = otherKind ? siblings[otherKind]?.[0] : undefined;
                if (sibling) value[other] = sibling;
              }
              return { document, variables: { ...variables, [argument.name]: value } };
            },
          });
        }
      }
    }
  }
  return calls;
}

const calls = generateCalls();

/** Refused as "no such object" (or "not for this kind of key"), and nothing else. */
function isRefused(result: GraphQLResponse<Record<string, unknown>>, call: GeneratedCall): boolean {
  const topLevel = result.errors?.map((e) => String(e.extensions?.code)) ?? [];
  const payload = result.data?.[call.field] as { errors?: Array<{ code: string }> } | null | undefined;
  const payloadCodes = payload?.errors?.map((e) => e.code) ?? [];
  // node(id) answers another merchant's id as it answers an id that does not exist: null (Relay's convention).
  if (call.kind === "node") return result.errors === undefined && payload === null;
  // A filter narrows the caller's own list: another merchant's id leaves it empty, without an error.
  if (FILTER_KINDS.has(call.kind)) {
    const page = payload as { edges?: unknown[]; nodes?: unknown[] } | null | undefined;
    const items = [page?.edges, page?.nodes].filter((list) => list !== undefined);
    return (
      result.errors === undefined &&
      !!page &&
      items.length > 0 &&
      items.every((list) => Array.isArray(list) && list.length === 0)
    );
  }
  // A nullable lookup (event, invoice, webhookEndpoint, receipt) answers another merchant's id as it answers an
  // id that does not exist: null, without an error.
  if (call.operation === "query" && call.nullable && result.errors === undefined && payload === null)
    return true;
  return (
    (topLevel.length > 0 && topLevel.every((code) => REFUSED_TOP_LEVEL.has(code)) && !payload) ||
    (payloadCodes.length > 0 && payloadCodes.every((code) => REFUSED_PAYLOAD.test(code)))
  );
}

let t: TestApp;
let owner: TestMerchant;
let attacker: TestMerchant;
const emptyFixtures = (): Fixtures => ({
  payment: [],
  paymentMethod: [],
  refund: [],
  node: [],
  dispute: [],
  invoice: [],
  webhookEndpoint: [],
  event: [],
  receiptPayment: [],
  disputedPayment: [],
  eventObject: [],
  payout: [],
  bankAccount: [],
  payoutFilter: [],
  checkoutSession: [],
  publishableKey: [],
});
const ownerObjects: Fixtures = emptyFixtures();
/** The attacker's own objects, for the sibling ids of a call (its own event replayed to the owner's endpoint). */
const attackerObjects: Fixtures = emptyFixtures();
/**
 * The owner's live-mode objects, for the sibling ids of the live key's calls: its live endpoint next to a test
 * event. (There is no live event to put next to a test endpoint: live payments need a live PSP.)
 */
const ownerLiveObjects: Fixtures = emptyFixtures();
let fingerprintQuery = "";

async function mutation<T>(key: string, document: string, input: Record<string, unknown>): Promise<T> {
  const result = await t.gql<Record<string, T>>(key, document, {
    input: { idempotencyKey: newKey("setup"), ...input },
  });
  const payload = Object.values(result.data ?? {})[0];
  if (!payload) throw new Error(`setup failed: ${result.raw}`);
  return payload;
}

/**
 * A fingerprint of every table's contents: any write the refused call made shows here. process_instances is left
 * out: the app heartbeats its liveness there every few seconds whatever the requests do.
 */
async function databaseFingerprint(): Promise<Record<string, string>> {
  // One statement for every table (a digest of each table's rows), not one round trip per table: the matrix
  // takes two fingerprints per call and id.
  const rows = await t.app.sql.query<{ name: string; digest: string | null }>(fingerprintQuery);
  const fingerprint: Record<string, string> = {};
  for (const row of rows) fingerprint[row.name] = row.digest ?? "empty";
  return fingerprint;
}

let bankSandbox: Awaited<ReturnType<typeof startSandbox>>;

beforeAll(async () => {
  // Payouts need a bank: the bank rails sandbox (its notifications are never delivered here).
  bankSandbox = await startSandbox({ port: 0, bankRails: { autoDeliverMs: 0 } });
  t = await createTestApp({
    bankRails: {
      baseUrl: `${bankSandbox.url}/bank/v1`,
      apiKey: "bank_test_sandbox",
      webhookSecret: "bola_bank_webhook_secret",
      timeoutMs: 2_000,
    },
  });
  // Captured funds are available at once, so the owner can pay out.
  await t.app.sql.execute(
    `INSERT INTO psp_settlement_delays (psp_name, delay_seconds) VALUES ('sandbox', 0)
     ON CONFLICT (psp_name) DO UPDATE SET delay_seconds = 0`,
  );
  owner = await t.createMerchant();
  attacker = await t.createMerchant();
  const rows = await t.app.db.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
        AND table_name NOT IN ('_prisma_migrations', 'process_instances')
      ORDER BY 1`,
  );
  fingerprintQuery = rows
    .map(
      ({ name }) =>
        `SELECT '${name}' AS name, (SELECT md5(string_agg(row_text, '|' ORDER BY row_text)) FROM (SELECT t::text AS row_text FROM "${name}" t) s) AS digest`,
    )
    .join(" UNION ALL ");

  // The owner's objects in every state a call could act on: captured (refundable, with a receipt), authorized
  // (capturable, cancellable), and a refund.
  const paymentMethod = await t.tokenize(owner.publishableKey);
  ownerObjects.paymentMethod.push(paymentMethod);
  const create = `mutation($input: CreatePaymentInput!) { createPayment(input: $input) { payment { id status } errors { code } } }`;
  for (const captureMethod of ["AUTOMATIC", "MANUAL"]) {
    const created = await mutation<{ payment: { id: string; status: string } | null }>(
      owner.secretKey,
      create,
      {
        amount: "5000",
        currency: "USD",
        paymentMethodId: paymentMethod,
        captureMethod,
        ...(captureMethod === "AUTOMATIC" ? { receiptEmail: "buyer@example.com" } : {}),
      },
    );
    if (!created.payment) throw new Error("setup payment failed");
    ownerObjects.payment.push(created.payment.id);
  }
  // A bank-transfer payment waiting for funds (issue 18): its instructions hang off the payment, so every
  // payment-taking call is tried on it too.
  const bankTransfer = await mutation<{ payment: { id: string; status: string } | null }>(
    owner.secretKey,
    create,
    {
      amount: "5000",
      currency: "EUR",
      paymentMethodType: "BANK_TRANSFER",
    },
  );
  if (bankTransfer.payment?.status !== "AWAITING_FUNDS")
    throw new Error("setup bank-transfer payment failed");
  ownerObjects.payment.push(bankTransfer.payment.id);
  const captured = ownerObjects.payment[0] as string;
  ownerObjects.receiptPayment.push(captured);
  const refunded = await mutation<{ refund: { id: string } | null }>(
    owner.secretKey,
    `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { refund { id } errors { code } } }`,
    { paymentId: captured, amount: "100" },
  );
  if (!refunded.refund) throw new Error("setup refund failed");
  ownerObjects.refund.push(refunded.refund.id);

  // A chargeback on the captured payment, as the PSP's notification opens it (open: acceptable, takes evidence).
  const { pspName, pspReference } = await t.app.db.payment.findUniqueOrThrow({
    where: { id: captured },
    select: { pspName: true, pspReference: true },
  });
  if (!pspName || !pspReference) throw new Error("setup: the captured payment has no PSP reference");
  const opened = await t.app.services.disputes.applyNotification({
    pspName,
    disputeReference: `dp_bola_${newKey("d")}`,
    paymentPspReference: pspReference,
    status: "NEEDS_RESPONSE",
    stage: "chargeback",
    pspStage: "chargeback",
    amountMinor: 1_000n,
    currency: "USD",
    reason: "fraudulent",
    reasonCode: "10.4",
    evidenceDueBy: new Date(Date.now() + 14 * 86_400_000),
  });
  if (!opened.applied) throw new Error(`setup dispute failed: ${opened.reason} ${opened.detail}`);
  ownerObjects.dispute.push(opened.dispute.id);
  ownerObjects.disputedPayment.push(captured);

  // Invoices: a draft (editable, finalisable) and a finalised one (voidable, can be marked uncollectible).
  const createInvoice = `mutation($input: CreateInvoiceInput!) { createInvoice(input: $input) { invoice { id } errors { code } } }`;
  const lines = [{ description: "Widgets", quantity: 2, unitAmount: "1250" }];
  for (const finalise of [false, true]) {
    const invoice = await mutation<{ invoice: { id: string } | null }>(owner.secretKey, createInvoice, {
      currency: "USD",
      lines,
    });
    if (!invoice.invoice) throw new Error("setup invoice failed");
    ownerObjects.invoice.push(invoice.invoice.id);
    if (!finalise) continue;
    const finalised = await mutation<{ invoice: { status: string } | null }>(
      owner.secretKey,
      `mutation($input: FinalizeInvoiceInput!) { finalizeInvoice(input: $input) { invoice { status } errors { code } } }`,
      { invoiceId: invoice.invoice.id },
    );
    if (finalised.invoice?.status !== "OPEN") throw new Error("setup finalise failed");
  }

  // A checkout session (issue 20), open: readable only by its merchant in its mode.
  const session = await mutation<{ checkoutSession: { id: string } | null }>(
    owner.secretKey,
    `mutation($input: CreateCheckoutSessionInput!) { createCheckoutSession(input: $input) { checkoutSession { id } errors { code } } }`,
    {
      currency: "USD",
      amount: "2500",
      successUrl: "https://shop.example/thanks",
      cancelUrl: "https://shop.example/cart",
    },
  );
  if (!session.checkoutSession) throw new Error("setup checkout session failed");
  ownerObjects.checkoutSession.push(session.checkoutSession.id);

  // A webhook endpoint of each merchant (test mode takes a loopback URL), subscribed to a type no call here
  // emits, so that nothing is queued for it while the matrix runs.
  const createEndpoint = async (key: string, url = "http://127.0.0.1:9/hooks") => {
    const result = await t.gql<{
      createWebhookEndpoint: { endpoint: { id: string } | null; errors: Array<{ code: string }> };
    }>(
      key,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } errors { code } } }`,
      { input: { url, enabledEvents: ["payment.review_decided"] } },
    );
    const id = result.data?.createWebhookEndpoint.endpoint?.id;
    if (!id) throw new Error(`setup endpoint failed: ${result.raw}`);
    return id;
  };
  ownerObjects.webhookEndpoint.push(await createEndpoint(owner.secretKey));
  // Live mode takes https to a public address only (an address literal: nothing resolves a name; the test app runs
  // no delivery worker and no call here emits the subscribed type, so nothing is ever sent to it).
  ownerLiveObjects.webhookEndpoint.push(
    await createEndpoint(owner.liveSecretKey, "https://93.184.215.14/hooks"),
  );

  // The owner's test-mode publishable key (card-field origins are set per key).
  const keys = await t.gql<{ publishableKeys: Array<{ id: string }> }>(
    owner.secretKey,
    "query { publishableKeys { id } }",
  );
  const publishableKeyId = keys.data?.publishableKeys[0]?.id;
  if (!publishableKeyId) throw new Error(`setup publishable key failed: ${keys.raw}`);
  ownerObjects.publishableKey.push(publishableKeyId);

  // The attacker's own payment, event and endpoint: a call that takes two ids gets the attacker's own for the
  // one not under test (its own event replayed to the owner's endpoint, the owner's event to its own endpoint).
  const attackerCard = await t.tokenize(attacker.publishableKey);
  const attackerPayment = await mutation<{ payment: { id: string } | null }>(attacker.secretKey, create, {
    amount: "700",
    currency: "USD",
    paymentMethodId: attackerCard,
  });
  if (!attackerPayment.payment) throw new Error("setup attacker payment failed");
  attackerObjects.payment.push(attackerPayment.payment.id);
  attackerObjects.webhookEndpoint.push(await createEndpoint(attacker.secretKey));

  // Events: the feed fills as the payments change.
  const eventIds = async (key: string) => {
    const result = await t.gql<{ events: { edges: Array<{ node: { id: string } }> } }>(
      key,
      `query { events(first: 5) { edges { node { id } } } }`,
    );
    return result.data?.events.edges.map((edge) => edge.node.id) ?? [];
  };
  ownerObjects.event.push(...(await eventIds(owner.secretKey)));
  attackerObjects.event.push(...(await eventIds(attacker.secretKey)));
  if (ownerObjects.event.length === 0 || attackerObjects.event.length === 0)
    throw new Error("setup: no events in the feed");
  ownerObjects.eventObject.push(...ownerObjects.payment);
  ownerLiveObjects.event.push(...ownerObjects.event);

  // Payouts (issue 18): a verified EUR bank account and a scheduled payout of the owner's released EUR balance
  // (scheduled, so that balanceTransactions(filter.payoutId) lists what it settled).
  const eurCard = await t.tokenize(owner.publishableKey);
  const eurPayment = await mutation<{ payment: { id: string } | null }>(owner.secretKey, create, {
    amount: "10000",
    currency: "EUR",
    paymentMethodId: eurCard,
  });
  if (!eurPayment.payment) throw new Error("setup EUR payment failed");
  await t.app.services.payouts.releaseDue();
  const account = await t.gql<{ addBankAccount: { bankAccount: { id: string; status: string } | null } }>(
    owner.secretKey,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) { bankAccount { id status } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey("setup"),
        iban: "DE89370400440532013000",
        holderName: "Owner GmbH",
        currency: "EUR",
      },
    },
  );
  const accountId = account.data?.addBankAccount.bankAccount?.id;
  if (!accountId || account.data?.addBankAccount.bankAccount?.status !== "VERIFIED")
    throw new Error(`setup bank account failed: ${account.raw}`);
  ownerObjects.bankAccount.push(accountId);
  await t.app.services.payouts.setSchedule(
    { merchantId: owner.id as never, mode: "TEST", name: "bola", source: "OPERATOR" },
    { currency: "EUR", interval: "DAILY", delayDays: 0, minimum: 0n },
  );
  await t.app.sql.execute("UPDATE payout_schedules SET next_run_at = now() - interval '1 minute'");
  if ((await t.app.services.payouts.runDueSchedules()).created !== 1) throw new Error("setup payout failed");
  const [payout] = await t.app.sql.query<{ id: string }>("SELECT id FROM payouts WHERE merchant_id = $1", [
    owner.id,
  ]);
  if (!payout) throw new Error("setup payout missing");
  ownerObjects.payout.push(payout.id);
  ownerObjects.payoutFilter.push(payout.id);

  // A bank account waiting for its micro-deposits to be confirmed (verifyBankAccount acts on it).
  const pending = await t.gql<{ addBankAccount: { bankAccount: { id: string; status: string } | null } }>(
    owner.secretKey,
    `mutation($input: AddBankAccountInput!) { addBankAccount(input: $input) { bankAccount { id status } errors { code } } }`,
    {
      input: {
        idempotencyKey: newKey("setup"),
        iban: "DE89370400440532013000",
        holderName: "Owner GmbH",
        currency: "EUR",
        verificationMethod: "MICRO_DEPOSITS",
      },
    },
  );
  const pendingId = pending.data?.addBankAccount.bankAccount?.id;
  if (!pendingId || pending.data?.addBankAccount.bankAccount?.status !== "PENDING_VERIFICATION")
    throw new Error(`setup micro-deposit bank account failed: ${pending.raw}`);
  ownerObjects.bankAccount.push(pendingId);

  // The kinds node(id) resolves (disputes and invoices are not Nodes; payouts and bank accounts are).
  ownerObjects.node.push(
    ...ownerObjects.payment,
    ...ownerObjects.paymentMethod,
    ...ownerObjects.refund,
    ...ownerObjects.payout,
    ...ownerObjects.bankAccount,
  );
});

afterAll(async () => {
  await t.close();
  await bankSandbox?.stop();
});

describe("the generated matrix", () => {
  it("covers every id-taking field of the schema, each with a fixture", () => {
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(Object.keys(ownerObjects), `${call.field}(${call.idPath}): no fixture kind`).toContain(
        call.kind,
      );
    }
    // The fields known today, so that a generator bug that finds nothing cannot pass silently.
    const covered = new Set(calls.map((c) => c.field));
    for (const field of [
      "payment",
      "refund",
      "capturePayment",
      "cancelPayment",
      "refundPayment",
      "createPayment",
      "dispute",
      "acceptDispute",
      "invoice",
      "finalizeInvoice",
      "webhookEndpoint",
      "deleteWebhookEndpoint",
      "replayWebhookEvent",
      "event",
      "events",
      "payout",
      "cancelPayout",
      "createPayout",
      "balanceTransactions",
      "verifyBankAccount",
      "updatePublishableKeyOrigins",
    ])
      expect(covered).toContain(field);
  });
});

const attackers = [
  ["another merchant's secret key", () => attacker.secretKey, () => attackerObjects],
  ["the owner's live secret key on test objects", () => owner.liveSecretKey, () => ownerLiveObjects],
] as const;

describe.each(attackers)("with %s", (_who, key, siblings) => {
  it.each(calls.map((c) => [`${c.operation} ${c.field}(${c.idPath})`, c] as const))(
    "%s is refused for every object of that kind and writes nothing",
    async (_name, call) => {
      const ids = ownerObjects[call.kind];
      expect(ids.length, `fixtures for ${call.kind}`).toBeGreaterThan(0);
      for (const id of ids) {
        const before = await databaseFingerprint();
        const { document, variables } = call.build(id, siblings());
        const result = await t.gql<Record<string, Record<string, unknown> | null>>(
          key(),
          document,
          variables,
        );
        const payload = result.data?.[call.field];
        expect(isRefused(result, call), `${call.field} on ${id}: ${result.raw}`).toBe(true);
        // Nothing of the owner's object leaks into the payload besides the refusal.
        if (payload) {
          for (const [name, value] of Object.entries(payload)) {
            if (name === "errors" || name === "__typename") continue;
            // A filter's answer is a page: empty, with its pageInfo (checked empty by isRefused above).
            if (FILTER_KINDS.has(call.kind) && (name === "edges" || name === "nodes")) {
              expect(value, `${call.field}.${name}`).toEqual([]);
            } else if (FILTER_KINDS.has(call.kind) && name === "pageInfo") {
              expect(value, `${call.field}.${name}`).toEqual({ __typename: "PageInfo" });
            } else {
              expect(value, `${call.field}.${name}`).toBeNull();
            }
          }
        }
        expect(await databaseFingerprint(), `${call.field} on ${id} wrote something`).toEqual(before);
      }
      await t.expectLedgerBalanced();
    },
  );
});

describe("the owner's own key (the control)", () => {
  it.each(calls.filter((c) => c.operation === "query").map((c) => [`${c.field}(${c.idPath})`, c] as const))(
    "%s answers the owner's object",
    async (_name, call) => {
      for (const id of ownerObjects[call.kind]) {
        const { document, variables } = call.build(id);
        const result = await t.gql<Record<string, unknown>>(owner.secretKey, document, variables);
        expect(result.errors, result.raw).toBeUndefined();
        expect(result.data?.[call.field]).not.toBeNull();
        // A filter finds the owner's own object's entries.
        if (FILTER_KINDS.has(call.kind)) {
          const page = result.data?.[call.field] as { edges?: unknown[]; nodes?: unknown[] };
          expect((page.edges ?? page.nodes ?? []).length, result.raw).toBeGreaterThan(0);
        }
        // The refusal check above is not vacuous: the owner's own call does not pass it.
        expect(isRefused(result, call)).toBe(false);
      }
    },
  );
});
