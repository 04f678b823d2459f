// The one write path for checkout sessions: the merchant creates a session (amount or line items, capture method,
// customer email, success and cancel URLs, expiry, allowed payment methods); the hosted page pays it through the
// payment commands (tokenize, then createPayment: the core's own path, never around it); the expiry job closes
// the sessions nobody paid. The outcome is decided here, on the server, from the payment's status: the customer's
// redirect to the success URL carries nothing that changes a session.
import { timingSafeEqual } from "node:crypto";
import { parseEmailAddress } from "../documents/email-address";
import { DomainError } from "../errors/domain-error";
import type { IdempotencyService, IdempotentOutcome } from "../idempotency/idempotency-service";
import { type MerchantId, newId, parseId, parseIdempotencyKey } from "../ids/ids";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { formatMinorUnits, maxAmountMinor, parseAmountMinor } from "../money/money";
import { assertFreeText } from "../payments/free-text";
import type { PaymentCommands } from "../payments/payment-commands";
import { validateDescription } from "../payments/payment-input";
import type { CaptureMethod, MerchantActor, Mode, PaymentRecord } from "../payments/payment-record";
import type {
  CheckoutLineItem,
  CheckoutPaymentMethodType,
  CheckoutSessionEventDraft,
  CheckoutSessionRecord,
  CheckoutSessionStore,
} from "../ports/checkout-session-store";
import type { PaymentStore } from "../ports/payment-store";
import type { CardInput } from "../vault/card";
import {
  CHECKOUT_SESSION_EVENT_TOPICS,
  type CheckoutSessionEvent,
  checkoutSessionTransition,
} from "./checkout-session-state-machine";

export const CHECKOUT_URL_LENGTH_MAX = 2048;
export const CHECKOUT_LINE_ITEMS_MAX = 100;
export const CHECKOUT_LINE_DESCRIPTION_LENGTH_MAX = 500;
export const CHECKOUT_LINE_QUANTITY_MAX = 1_000_000;
/** Stripe's bounds: from 30 minutes to 24 hours; one hour when not given. */
export const CHECKOUT_EXPIRY_MIN_SECONDS = 30 * 60;
export const CHECKOUT_EXPIRY_MAX_SECONDS = 24 * 60 * 60;
export const CHECKOUT_EXPIRY_DEFAULT_SECONDS = 60 * 60;
/** Payment attempts (declined cards included) one session allows: a bound on card testing through the page. */
export const CHECKOUT_ATTEMPTS_MAX = 10;
export const CHECKOUT_EXPIRY_BATCH_MAX = 100;
export const CHECKOUT_PAYMENT_METHOD_TYPES = ["CARD"] as const;
/** Replaced in the success URL by the session id, so the merchant's page knows which session to read. */
export const CHECKOUT_SESSION_ID_PLACEHOLDER = "{CHECKOUT_SESSION_ID}";

export interface CheckoutActor {
  merchantId: MerchantId;
  mode: Mode;
  /** "key:key_…", "operator:…" or "system:…": recorded with each event. */
  name: string;
  source: CheckoutSessionEventDraft["source"];
}

export interface CheckoutLineItemInput {
  description: string;
  quantity: number;
  unitAmount: unknown;
}

export interface CreateCheckoutSessionInput {
  idempotencyKey: string;
  currency: string;
  /** The amount in minor units; or give lineItems, whose total is the amount (not both). */
  amount?: unknown;
  lineItems?: readonly CheckoutLineItemInput[] | null;
  captureMethod?: CaptureMethod | null;
  /** Where the receipt goes once the payment is captured. */
  customerEmail?: string | null;
  description?: string | null;
  successUrl: string;
  cancelUrl: string;
  /** From 1800 to 86400; 3600 when not given. */
  expiresInSeconds?: number | null;
  paymentMethodTypes?: readonly string[] | null;
  /** The invoice the session pays (the hosted invoice page); its id is carried to the completion event. */
  invoiceId?: string | null;
}

/** What the hosted page gets back from a payment attempt. */
export interface CheckoutPayResult {
  session: CheckoutSessionRecord;
  payment: PaymentRecord | null;
  /**
   * COMPLETE: paid, redirect to the success URL; DECLINED: show the reason, the customer may retry; PROCESSING:
   * the outcome is not known yet; REQUIRES_ACTION: send the customer to `redirectUrl` (3-D Secure challenge).
   */
  outcome: "COMPLETE" | "DECLINED" | "PROCESSING" | "REQUIRES_ACTION";
  declineMessage: string | null;
  /** 3-D Secure: the PSP's challenge page, set with REQUIRES_ACTION. */
  redirectUrl?: string | null;
}

export interface CheckoutCommandsDependencies {
  store: CheckoutSessionStore;
  idempotency: IdempotencyService;
  payments: Pick<PaymentCommands, "tokenizeCard" | "createPayment">;
  /** Reads a session's payment whose outcome was unknown when the page asked, to settle the session later. */
  paymentReader: Pick<PaymentStore, "findPayment">;
  now: () => Date;
  /** Called once a session is COMPLETE (the invoice it pays is marked paid); a failure is the caller's to log. */
  onCompleted?: (session: CheckoutSessionRecord) => Promise<void>;
}

function invalid(message: string, field: string[]): DomainError {
  return new DomainError("INVALID_INPUT", message, { field });
}

/**
 * A success or cancel URL: absolute http(s), no credentials, at most 2048 characters; https only in live mode
 * (test mode allows http for local development, loopback included).
 */
export function parseRedirectUrl(input: string, mode: Mode, field: string): string {
  if (typeof input !== "string" || input.length === 0 || input.length > CHECKOUT_URL_LENGTH_MAX)
    throw invalid(`${field} must be a URL of 1 to ${CHECKOUT_URL_LENGTH_MAX} characters.`, [field]);
  // The placeholder's braces are not valid in a URL's syntax; it is checked with a stand-in.
  let url: URL;
  try {
    url = new URL(input.replaceAll(CHECKOUT_SESSION_ID_PLACEHOLDER, "cs_placeholder"));
  } catch {
    throw invalid(`${field} must be an absolute URL.`, [field]);
  }
  const allowed = mode === "LIVE" ? ["https:"] : ["https:", "http:"];
  if (!allowed.includes(url.protocol))
    throw invalid(
      mode === "LIVE" ? `${field} must use https in live mode.` : `${field} must use http or https.`,
      [field],
    );
  if (url.username !== "" || url.password !== "")
    throw invalid(`${field} must not carry a user name or password.`, [field]);
  assertFreeText(input, { field: [field] });
  return input;
}

function parseLineItems(
  inputs: readonly CheckoutLineItemInput[],
  currency: CurrencyCode,
): CheckoutLineItem[] {
  if (inputs.length > CHECKOUT_LINE_ITEMS_MAX)
    throw invalid(`a checkout session has at most ${CHECKOUT_LINE_ITEMS_MAX} line items.`, ["lineItems"]);
  return inputs.map((input, index) => {
    const field = (name: string) => ["lineItems", String(index), name];
    const description = typeof input.description === "string" ? input.description.trim() : "";
    if (description.length === 0 || description.length > CHECKOUT_LINE_DESCRIPTION_LENGTH_MAX)
      throw invalid(
        `description must be 1 to ${CHECKOUT_LINE_DESCRIPTION_LENGTH_MAX} characters.`,
        field("description"),
      );
    assertFreeText(description, { field: field("description") });
    if (
      !Number.isInteger(input.quantity) ||
      input.quantity < 1 ||
      input.quantity > CHECKOUT_LINE_QUANTITY_MAX
    )
      throw invalid(
        `quantity must be an integer from 1 to ${CHECKOUT_LINE_QUANTITY_MAX}.`,
        field("quantity"),
      );
    const unitAmountMinor = parseAmountMinor(input.unitAmount, {
      currency,
      allowZero: true,
      field: field("unitAmount"),
    });
    return { description, quantity: input.quantity, unitAmountMinor };
  });
}

/** The session's amount: the given amount, or the line items' exact total (each within the currency's maximum). */
export function checkoutAmount(
  input: Pick<CreateCheckoutSessionInput, "amount" | "lineItems">,
  currency: CurrencyCode,
): { amountMinor: bigint; lineItems: CheckoutLineItem[] } {
  const hasAmount = input.amount !== undefined && input.amount !== null;
  const hasLines = (input.lineItems?.length ?? 0) > 0;
  if (hasAmount === hasLines)
    throw invalid("give either amount or lineItems, not both and not neither.", ["amount"]);
  if (hasAmount) return { amountMinor: parseAmountMinor(input.amount, { currency }), lineItems: [] };
  const lineItems = parseLineItems(input.lineItems ?? [], currency);
  const amountMinor = lineItems.reduce((sum, line) => sum + line.unitAmountMinor * BigInt(line.quantity), 0n);
  if (amountMinor <= 0n)
    throw new DomainError("AMOUNT_INVALID", "the line items must total more than 0.", {
      field: ["lineItems"],
    });
  if (amountMinor > maxAmountMinor(currency))
    throw new DomainError("AMOUNT_TOO_LARGE", "the line items total more than the currency's maximum.", {
      field: ["lineItems"],
    });
  return { amountMinor, lineItems };
}

function parseExpiry(input: number | null | undefined): number {
  const seconds = input ?? CHECKOUT_EXPIRY_DEFAULT_SECONDS;
  if (
    !Number.isInteger(seconds) ||
    seconds < CHECKOUT_EXPIRY_MIN_SECONDS ||
    seconds > CHECKOUT_EXPIRY_MAX_SECONDS
  )
    throw invalid(
      `expiresInSeconds must be an integer from ${CHECKOUT_EXPIRY_MIN_SECONDS} to ${CHECKOUT_EXPIRY_MAX_SECONDS}.`,
      ["expiresInSeconds"],
    );
  return seconds;
}

function parsePaymentMethodTypes(input: readonly string[] | null | undefined): CheckoutPaymentMethodType[] {
  if (input == null) return ["CARD"];
  if (input.length === 0 || input.length > CHECKOUT_PAYMENT_METHOD_TYPES.length)
    throw invalid("paymentMethodTypes must name at least one supported method.", ["paymentMethodTypes"]);
  const types = new Set<CheckoutPaymentMethodType>();
  for (const type of input) {
    if (!(CHECKOUT_PAYMENT_METHOD_TYPES as readonly string[]).includes(type))
      throw invalid(`unsupported payment method type.`, ["paymentMethodTypes"]);
    types.add(type as CheckoutPaymentMethodType);
  }
  return [...types];
}

function tokenMatches(given: string, stored: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The success URL the customer is sent to, with the session id in place of the placeholder. */
export function successRedirectUrl(session: Pick<CheckoutSessionRecord, "id" | "successUrl">): string {
  return session.successUrl.replaceAll(CHECKOUT_SESSION_ID_PLACEHOLDER, session.id);
}

/** Payment statuses that pay a session: authorized, captured, or held for an operator's review. */
const PAYING_STATUSES: ReadonlySet<PaymentRecord["status"]> = new Set([
  "AUTHORIZED",
  "CAPTURED",
  "REQUIRES_REVIEW",
]);

export class CheckoutCommands {
  constructor(private readonly deps: CheckoutCommandsDependencies) {}

  /** Idempotent under the caller's key: a retry replays the first session. */
  create(
    actor: CheckoutActor,
    input: CreateCheckoutSessionInput,
  ): Promise<IdempotentOutcome<CheckoutSessionRecord>> {
    const { idempotencyKey, ...request } = input;
    const key = parseIdempotencyKey(idempotencyKey);
    const keyKind = actor.source === "API" ? "SECRET" : actor.source;
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind, key },
      "createCheckoutSession",
      request,
      () => this.createNow(actor, input),
    );
  }

  private async createNow(
    actor: CheckoutActor,
    input: CreateCheckoutSessionInput,
  ): Promise<CheckoutSessionRecord> {
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as USD.", {
        field: ["currency"],
      });
    const { amountMinor, lineItems } = checkoutAmount(input, currency);
    const captureMethod = input.captureMethod ?? "AUTOMATIC";
    if (captureMethod !== "AUTOMATIC" && captureMethod !== "MANUAL")
      throw invalid("captureMethod must be AUTOMATIC or MANUAL.", ["captureMethod"]);
    const customerEmail = parseEmailAddress(input.customerEmail, ["customerEmail"]);
    const description = validateDescription(input.description ?? null);
    const successUrl = parseRedirectUrl(input.successUrl, actor.mode, "successUrl");
    const cancelUrl = parseRedirectUrl(input.cancelUrl, actor.mode, "cancelUrl");
    const expiresInSeconds = parseExpiry(input.expiresInSeconds);
    const paymentMethodTypes = parsePaymentMethodTypes(input.paymentMethodTypes);
    const invoiceId = input.invoiceId == null ? null : parseId("invoice", input.invoiceId);
    if (input.invoiceId != null && invoiceId === null)
      throw invalid("invoiceId must be an invoice id.", ["invoiceId"]);
    const id = newId("checkoutSession");
    return this.deps.store.insert(
      {
        id,
        merchantId: actor.merchantId,
        mode: actor.mode,
        currency,
        amountMinor,
        lineItems,
        captureMethod,
        customerEmail,
        description,
        successUrl,
        cancelUrl,
        paymentMethodTypes,
        invoiceId,
        expiresAt: new Date(this.deps.now().getTime() + expiresInSeconds * 1000),
      },
      event(actor, "checkout.session.created", {
        currency,
        amountMinor: amountMinor.toString(),
        lineItems: lineItems.length,
      }),
    );
  }

  /** The merchant's read: only its own sessions, in its mode. */
  async get(
    actor: Pick<CheckoutActor, "merchantId" | "mode">,
    rawId: string,
  ): Promise<CheckoutSessionRecord> {
    const id = parseId("checkoutSession", rawId);
    const session = id && (await this.deps.store.find(actor.merchantId, actor.mode, id));
    if (!session) throw notFound();
    return session;
  }

  /** The hosted page's read: the session when the page token matches, null otherwise (one answer for both). */
  async open(rawId: string, token: string): Promise<CheckoutSessionRecord | null> {
    const id = parseId("checkoutSession", rawId);
    const session = id && (await this.deps.store.findById(id));
    if (!session || !tokenMatches(token, session.accessToken)) return null;
    return session;
  }

  /**
   * The hosted page pays the session with the card the customer typed: the card is tokenized, then the payment
   * is created through the payment commands, each under a key derived from the session and attempt, so a
   * retried request never pays twice. The session completes only on the payment's server-side outcome.
   */
  async pay(
    rawId: string,
    token: string,
    card: CardInput,
    /** 3-D Secure: where the customer comes back after a challenge (the hosted page itself). */
    options: { returnUrl?: string } = {},
  ): Promise<CheckoutPayResult> {
    const found = await this.open(rawId, token);
    if (found === null) throw notFound();
    const session = await this.refuseUnpayable(found);
    const system = { source: "SYSTEM" as const, name: "system:checkout" };
    const claimed = await this.deps.store.claimAttempt(
      session,
      this.deps.now(),
      event(system, "checkout.session.attempt_started", { attempt: session.attempts + 1 }),
    );
    if (claimed === "invoice_closed") {
      // The invoice was voided (or paid another way) after the session was made: the session can never be paid.
      await this.expireOne(session);
      throw new DomainError("CHECKOUT_SESSION_EXPIRED", "the invoice this session pays is no longer open.");
    }
    if (claimed === null) {
      const now = await this.deps.store.findById(session.id);
      await this.refuseUnpayable(now ?? session);
      throw new DomainError("CHECKOUT_SESSION_BUSY", "the session changed meanwhile; reload the page.");
    }
    const actor: MerchantActor = {
      merchantId: claimed.merchantId,
      mode: claimed.mode,
      apiKeyId: null,
      by: { source: "SYSTEM", id: `checkout:${claimed.id}`, note: null },
    };
    const keyBase = `checkout:${claimed.id}:${claimed.attempts}`;
    let payment: PaymentRecord;
    let declineMessage: string | null = null;
    try {
      const tokenized = await this.deps.payments.tokenizeCard(actor, {
        idempotencyKey: `${keyBase}:card`,
        card,
      });
      const created = await this.deps.payments.createPayment(actor, {
        idempotencyKey: keyBase,
        amount: claimed.amountMinor.toString(),
        currency: claimed.currency,
        paymentMethodId: tokenized.value.paymentMethod.id,
        captureMethod: claimed.captureMethod,
        description: claimed.description,
        metadata: {
          checkoutSessionId: claimed.id,
          ...(claimed.invoiceId ? { invoiceId: claimed.invoiceId } : {}),
        },
        receiptEmail: claimed.customerEmail,
        ...(options.returnUrl ? { returnUrl: options.returnUrl } : {}),
      });
      payment = created.value.payment;
      declineMessage = created.value.errors[0]?.message ?? null;
    } catch (error) {
      // Anything else (a database failure after the PSP call) may hide a charge: the attempt stays in flight, so
      // no second payment can start, and the session waits for an operator rather than risk charging twice.
      if (!(error instanceof DomainError)) throw error;
      // A refused card (bad number, expired) or a refused payment: nothing was charged, the customer may retry.
      await this.deps.store.releaseAttempt(
        claimed,
        null,
        event(system, "checkout.session.attempt_refused", {
          code: error instanceof DomainError ? error.code : "UNEXPECTED",
        }),
      );
      throw error;
    }
    if (PAYING_STATUSES.has(payment.status)) {
      const completed = await this.move(claimed, "PAID", payment.id, system);
      await this.deps.onCompleted?.(completed);
      return { session: completed, payment, outcome: "COMPLETE", declineMessage: null };
    }
    if (payment.status === "PENDING" || payment.status === "REQUIRES_ACTION") {
      // Undecided, or waiting for the customer's 3-D Secure challenge: the attempt stays in flight with its payment.
      const pending = await this.deps.store.recordPendingPayment(claimed, payment.id);
      if (payment.status === "REQUIRES_ACTION") {
        return {
          session: pending ?? claimed,
          payment,
          outcome: "REQUIRES_ACTION",
          declineMessage: null,
          redirectUrl: payment.nextActionUrl,
        };
      }
      return { session: pending ?? claimed, payment, outcome: "PROCESSING", declineMessage: null };
    }
    const released = await this.deps.store.releaseAttempt(
      claimed,
      payment.id,
      event(system, "checkout.session.attempt_declined", { paymentId: payment.id, status: payment.status }),
    );
    return {
      session: released ?? claimed,
      payment,
      outcome: "DECLINED",
      declineMessage: declineMessage ?? "The payment was declined.",
    };
  }

  /**
   * The hosted page shown again while a payment is in flight (the customer back from a 3-D Secure challenge, or
   * reloading): the session follows its payment's recorded outcome, decided server-side (the return route asked
   * the PSP). Null when no payment is in flight or the token does not match.
   */
  async resume(rawId: string, token: string): Promise<CheckoutPayResult | null> {
    const session = await this.open(rawId, token);
    if (session === null || session.status !== "OPEN" || !session.attemptInFlight) return null;
    const paymentId = session.paymentId === null ? null : parseId("payment", session.paymentId);
    const payment =
      paymentId &&
      (await this.deps.paymentReader.findPayment(
        { merchantId: session.merchantId, mode: session.mode, apiKeyId: null },
        paymentId,
      ));
    if (!payment) return null;
    if (payment.status === "REQUIRES_ACTION")
      return {
        session,
        payment,
        outcome: "REQUIRES_ACTION",
        declineMessage: null,
        redirectUrl: payment.nextActionUrl,
      };
    if (payment.status === "PENDING")
      return { session, payment, outcome: "PROCESSING", declineMessage: null };
    const settled = await this.settleInFlight(session);
    const now = settled ?? (await this.deps.store.findById(session.id)) ?? session;
    if (now.status === "COMPLETE")
      return { session: now, payment, outcome: "COMPLETE", declineMessage: null };
    return {
      session: now,
      payment,
      outcome: "DECLINED",
      declineMessage: payment.failureMessage ?? "The payment was declined.",
    };
  }

  /** Expires a bounded batch of OPEN sessions past their expiry; returns how many. */
  async expireDue(limit = CHECKOUT_EXPIRY_BATCH_MAX): Promise<{ expired: number }> {
    const due = await this.deps.store.dueForExpiry(
      this.deps.now(),
      Math.min(limit, CHECKOUT_EXPIRY_BATCH_MAX),
    );
    let expired = 0;
    for (const session of due) {
      const settled = session.attemptInFlight ? await this.settleInFlight(session) : session;
      if (settled !== null && settled.status === "OPEN" && (await this.expireOne(settled))) expired++;
    }
    return { expired };
  }

  /**
   * A session past its expiry whose payment's outcome was unknown when the page asked: completes it if the
   * payment has since been authorized, releases it if declined or failed; null while the payment is undecided
   * (the session is not expired under a payment that may still succeed).
   */
  private async settleInFlight(session: CheckoutSessionRecord): Promise<CheckoutSessionRecord | null> {
    const paymentId = session.paymentId === null ? null : parseId("payment", session.paymentId);
    const payment =
      paymentId &&
      (await this.deps.paymentReader.findPayment(
        { merchantId: session.merchantId, mode: session.mode, apiKeyId: null },
        paymentId,
      ));
    // Undecided, or its 3-D Secure challenge still open (the expiry worker cancels an abandoned one): wait.
    if (!payment || payment.status === "PENDING" || payment.status === "REQUIRES_ACTION") return null;
    const system = { source: "SYSTEM" as const, name: "system:checkout-expiry" };
    if (PAYING_STATUSES.has(payment.status) || payment.amountCapturedMinor > 0n) {
      const completed = await this.move(session, "PAID", payment.id, system).catch(() => null);
      if (completed) await this.deps.onCompleted?.(completed);
      return completed;
    }
    return this.deps.store.releaseAttempt(
      session,
      payment.id,
      event(system, "checkout.session.attempt_declined", { paymentId: payment.id, status: payment.status }),
    );
  }

  /** Expires one OPEN session (its expiry passed); false when it changed meanwhile. */
  private async expireOne(session: CheckoutSessionRecord): Promise<boolean> {
    const moved = await this.deps.store.transition(
      session,
      "EXPIRED",
      "EXPIRED",
      null,
      event({ source: "SYSTEM", name: "system:checkout-expiry" }, CHECKOUT_SESSION_EVENT_TOPICS.EXPIRED, {}),
      outboxMessage(session, "EXPIRED", null),
    );
    return moved !== null;
  }

  /** The typed refusal for a session that cannot take a payment now; an OPEN session past its time expires here. */
  private async refuseUnpayable(session: CheckoutSessionRecord): Promise<CheckoutSessionRecord> {
    if (session.status === "COMPLETE")
      throw new DomainError("CHECKOUT_SESSION_COMPLETED", "this checkout session is already paid.");
    if (session.status === "EXPIRED")
      throw new DomainError("CHECKOUT_SESSION_EXPIRED", "this checkout session has expired.");
    if (session.attemptInFlight)
      throw new DomainError("CHECKOUT_SESSION_BUSY", "a payment for this session is still being decided.");
    if (session.expiresAt.getTime() <= this.deps.now().getTime()) {
      // Expired on first sight, so the merchant learns it without waiting for the sweep.
      await this.expireOne(session);
      throw new DomainError("CHECKOUT_SESSION_EXPIRED", "this checkout session has expired.");
    }
    if (session.attempts >= CHECKOUT_ATTEMPTS_MAX)
      throw new DomainError(
        "CHECKOUT_ATTEMPTS_EXCEEDED",
        `this checkout session allows at most ${CHECKOUT_ATTEMPTS_MAX} payment attempts.`,
      );
    return session;
  }

  private async move(
    session: CheckoutSessionRecord,
    sessionEvent: CheckoutSessionEvent,
    paymentId: string | null,
    actor: Pick<CheckoutActor, "name" | "source">,
  ): Promise<CheckoutSessionRecord> {
    const to = checkoutSessionTransition(session.status, sessionEvent);
    if (to === null)
      throw new DomainError(
        "CHECKOUT_SESSION_COMPLETED",
        `a session that is ${session.status} cannot change.`,
      );
    const topic = CHECKOUT_SESSION_EVENT_TOPICS[sessionEvent];
    const moved = await this.deps.store.transition(
      session,
      sessionEvent,
      to,
      paymentId,
      event(actor, topic, paymentId === null ? {} : { paymentId }),
      outboxMessage(session, sessionEvent, paymentId),
    );
    if (moved === null)
      throw new DomainError("CHECKOUT_SESSION_BUSY", "the session changed meanwhile; read it again.");
    return moved;
  }
}

function outboxMessage(
  session: CheckoutSessionRecord,
  sessionEvent: CheckoutSessionEvent,
  paymentId: string | null,
) {
  return {
    topic: CHECKOUT_SESSION_EVENT_TOPICS[sessionEvent],
    payload: {
      checkoutSessionId: session.id,
      status: checkoutSessionTransition(session.status, sessionEvent),
      currency: session.currency,
      amount: formatMinorUnits(session.amountMinor, session.currency as CurrencyCode),
      amountMinor: session.amountMinor.toString(),
      paymentId,
      invoiceId: session.invoiceId,
    },
  };
}

function notFound(): DomainError {
  return new DomainError("CHECKOUT_SESSION_NOT_FOUND", "no such checkout session.", { field: ["id"] });
}

function event(
  actor: Pick<CheckoutActor, "name" | "source">,
  type: string,
  data: Record<string, string | number | boolean | null>,
): CheckoutSessionEventDraft {
  return { type, source: actor.source, actor: actor.name, data };
}
