// Test and demo data made through the core's own commands (the same write path
// as the API): merchants, tokenized cards and payments, including payments held
// for fraud review (grey-zone signals at a merchant with the real thresholds).
import { randomBytes } from "node:crypto";
import type { MerchantId } from "@paycore/core/ids/ids";
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import type { Runtime } from "@paycore/platform/runtime";

export interface SeededMerchant {
  id: MerchantId;
  actor: MerchantActor;
}

/** Who seeding acts as in the operator audit log. */
const SEED_ACTOR = { operatorId: null, name: "test:seed" } as const;

export function newKey(prefix = "seed"): string {
  return `${prefix}-${randomBytes(12).toString("hex")}`;
}

/** Permissive risk thresholds unless `holdsGreyZone`: then the defaults, so grey-zone payments are held. */
export async function seedMerchant(app: Runtime, name: string, options: { holdsGreyZone?: boolean } = {}) {
  const { merchant } = await app.services.merchantCommands.create(SEED_ACTOR, {
    name,
    modes: ["TEST"],
    settings: options.holdsGreyZone ? {} : { riskReviewThreshold: 99, riskDeclineThreshold: 100 },
  });
  return {
    id: merchant.id,
    actor: { merchantId: merchant.id, mode: "TEST", apiKeyId: null },
  } as SeededMerchant;
}

/**
 * A random US Visa test number (the sandbox's 424242 BIN) that passes Luhn: a fresh card each time keeps the
 * velocity rules quiet.
 */
export function randomVisa(): string {
  const digits = [4, 2, 4, 2, 4, 2, ...Array.from({ length: 9 }, () => Math.floor(Math.random() * 10))];
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits[digits.length - 1 - index] as number;
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return [...digits, (10 - (sum % 10)) % 10].join("");
}

export async function seedPayment(
  app: Runtime,
  merchant: SeededMerchant,
  options: {
    amountMinor?: bigint;
    currency?: string;
    email?: string;
    cardNumber?: string;
    /** Signals that together land in the grey zone: card (US) vs IP (GB) vs billing (FR), first use. */
    greyZone?: boolean;
    description?: string;
    metadata?: Record<string, string>;
  } = {},
) {
  const commands = app.services.commands;
  const method = await commands.tokenizeCard(merchant.actor, {
    idempotencyKey: newKey("tok"),
    card: { number: options.cardNumber ?? randomVisa(), expMonth: 12, expYear: 2035, cvc: "123" },
  });
  const created = await commands.createPayment(merchant.actor, {
    idempotencyKey: newKey("pay"),
    amount: (options.greyZone ? 150_000n : (options.amountMinor ?? 2_500n)).toString(),
    currency: options.currency ?? "USD",
    paymentMethodId: method.value.paymentMethod.id,
    captureMethod: "AUTOMATIC",
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    customer: options.greyZone
      ? {
          email: options.email ?? "grey@example.com",
          ipAddress: "81.2.69.142",
          billingAddress: { country: "FR" },
        }
      : { email: options.email ?? "buyer@example.com" },
  });
  return created.value.payment;
}
