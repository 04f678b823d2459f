// Guards the public GraphQL contract: the printed schema must match the committed snapshot, and its shape must keep the API's conventions.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type GraphQLField,
  type GraphQLInputField,
  isInputObjectType,
  isInterfaceType,
  isNonNullType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
} from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "./index";

const SNAPSHOT_PATH = fileURLToPath(new URL("../../schema.graphql", import.meta.url));

/** Field and argument names made of one of these words could carry card data or key material. */
const SENSITIVE_WORDS = new Set(["number", "cvc", "cvv", "pan", "fingerprint", "secret"]);
/** The one place card data may enter: tokenizeCard's card input, which only publishable keys may call. */
const CARD_INPUT_FIELDS = ["CardInput.cvc", "CardInput.number"];
/**
 * The one place a bank account number enters (issue 18): addBankAccount's input, validated, encrypted at once and
 * never returned (a BankAccount shows its last four). A US routing number identifies the bank, not the account:
 * public, and shown back.
 */
const BANK_ACCOUNT_INPUT_FIELDS = [
  "AddBankAccountInput.accountNumber",
  "AddBankAccountInput.routingNumber",
  // A bank-transfer payment's refund to the payer's account: encrypted at once, never returned.
  "RefundBankAccountInput.accountNumber",
  "RefundBankAccountInput.routingNumber",
];
const PUBLIC_NUMBER_FIELDS = new Set(["BankAccount.routingNumber"]);
/** Documents' numbers in their gap-free series (a receipt's "#12"): named after the document, never card data. */
const DOCUMENT_NUMBER_FIELDS = new Set([
  "Receipt.receiptNumber",
  "CreditNote.creditNoteNumber",
  "Invoice.invoiceNumber",
]);
/**
 * The one place a secret leaves: a webhook endpoint's signing secret, returned once by the mutation that makes it
 * (create, roll) so the merchant can verify deliveries. The hint is its last four characters, the dates when replaced
 * secrets stop signing.
 */
const WEBHOOK_SECRET_FIELDS = [
  "WebhookEndpoint.previousSecretsValidUntil",
  "WebhookEndpoint.secretHint",
  "WebhookEndpointPayload.secret",
  "Mutation.rollWebhookEndpointSecret",
];
/**
 * Webhook endpoint mutations take no idempotency key: create and roll return a secret shown once, which must not
 * be kept in an idempotency record to be replayed; update, disable, enable and delete set a state (sending one
 * again changes nothing or answers WEBHOOK_ENDPOINT_STATE); a second replay is one more delivery of the same
 * event, which receivers dedupe on the event id anyway (delivery is at least once). updateAllowedOrigins and
 * updatePublishableKeyOrigins set the whole list: sending it again changes nothing. submitOnboardingDetails (issue 22) sets the whole set of details:
 * sending it again leaves the same details.
 */
const MUTATIONS_WITHOUT_IDEMPOTENCY_KEY = new Set([
  "updateAllowedOrigins",
  "updatePublishableKeyOrigins",
  "submitOnboardingDetails",
  "createWebhookEndpoint",
  "updateWebhookEndpoint",
  "disableWebhookEndpoint",
  "enableWebhookEndpoint",
  "deleteWebhookEndpoint",
  "rollWebhookEndpointSecret",
  "replayWebhookEvent",
]);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[\s_]+/)
    .filter(Boolean);
}

function isSensitive(name: string): boolean {
  return words(name).some((word) => SENSITIVE_WORDS.has(word));
}

const mutationType = schema.getMutationType();
const mutations = Object.values(mutationType?.getFields() ?? {});

describe("GraphQL schema", () => {
  it("matches the committed schema.graphql", () => {
    const printed = `${printSchema(lexicographicSortSchema(schema))}\n`;
    const committed = readFileSync(SNAPSHOT_PATH, "utf8");
    expect(
      printed,
      "the schema changed: review the diff, then run `npm run schema:print -w @paycore/api` and commit schema.graphql",
    ).toBe(committed);
  });

  it("has mutations", () => {
    expect(mutations.map((m) => m.name).sort()).toEqual(
      expect.arrayContaining([
        "cancelPayment",
        "capturePayment",
        "createPayment",
        "refundPayment",
        "tokenizeCard",
      ]),
    );
  });

  it.each(mutations.map((m) => [m.name, m] as const))(
    "%s takes one required `input` whose type has idempotencyKey: String!",
    (_name, mutation) => {
      expect(mutation.args.map((arg) => arg.name)).toEqual(["input"]);
      const input = mutation.args[0]!;
      expect(isNonNullType(input.type), "input is required").toBe(true);
      const inputType = isNonNullType(input.type) ? input.type.ofType : input.type;
      expect(isInputObjectType(inputType), "input is an input object").toBe(true);
      if (!isInputObjectType(inputType)) return;
      if (MUTATIONS_WITHOUT_IDEMPOTENCY_KEY.has(_name)) return;
      expect(String(inputType.getFields().idempotencyKey?.type)).toBe("String!");
    },
  );

  it.each(mutations.map((m) => [m.name, m] as const))(
    "%s returns a payload with errors: [UserError!]!",
    (_name, mutation) => {
      expect(isNonNullType(mutation.type), "the payload is never null").toBe(true);
      const payload = isNonNullType(mutation.type) ? mutation.type.ofType : mutation.type;
      expect(isObjectType(payload), "the payload is an object type").toBe(true);
      if (!isObjectType(payload)) return;
      expect(String(payload.getFields().errors?.type)).toBe("[UserError!]!");
    },
  );

  it("exposes every field of a Payment", () => {
    const payment = schema.getType("Payment");
    expect(isObjectType(payment)).toBe(true);
    if (!isObjectType(payment)) return;
    expect(Object.keys(payment.getFields())).toEqual(
      expect.arrayContaining([
        "id",
        "status",
        "amount",
        "amountCapturable",
        "amountCaptured",
        "amountRefunded",
        "currency",
        "captureMethod",
        "paymentMethod",
        "pspName",
        "pspReference",
        "failureCode",
        "failureMessage",
        "refunds",
        "createdAt",
        "updatedAt",
        "events",
        "ledgerEntries",
      ]),
    );
  });

  it("returns no field, nor takes an argument, named like card data or a secret", () => {
    const offending: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || !(isObjectType(type) || isInterfaceType(type))) continue;
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        const path = `${type.name}.${field.name}`;
        if (
          isSensitive(field.name) &&
          !DOCUMENT_NUMBER_FIELDS.has(path) &&
          !PUBLIC_NUMBER_FIELDS.has(path) &&
          !WEBHOOK_SECRET_FIELDS.includes(path)
        ) {
          offending.push(path);
        }
        for (const arg of field.args) {
          if (isSensitive(arg.name)) offending.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    expect(offending).toEqual([]);
  });

  it("accepts card data in CardInput only (and bank account numbers in AddBankAccountInput)", () => {
    const inputFields: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isInputObjectType(type)) continue;
      for (const field of Object.values(type.getFields()) as GraphQLInputField[]) {
        if (isSensitive(field.name)) inputFields.push(`${type.name}.${field.name}`);
      }
    }
    expect(inputFields.sort()).toEqual([...BANK_ACCOUNT_INPUT_FIELDS, ...CARD_INPUT_FIELDS].sort());
  });
});
