// The Stripe-style PSP through the official `stripe` SDK, pointed at a host
// and port (the sandbox in test mode; api.stripe.com in production). Definite
// answers become outcomes; what may be retried with the same idempotency key
// is thrown as a TransientPspError for the resilience policy.
import { EVIDENCE_FILE_KIND_LABELS, type EvidenceFileKind } from "@paycore/core/disputes/dispute-evidence";
import { REFERENCE_MISMATCH_CODE } from "@paycore/core/payments/complete-authentication";
import {
  type AuthorizeRequest,
  type CompleteAuthenticationRequest,
  type DisputeEvidenceOutcome,
  type DisputeEvidenceRequest,
  isRetryableFailureCode,
  type ModificationQuery,
  type ModifyRequest,
  type PaymentServiceProvider,
  type PspChargeStatus,
  type PspOutcome,
  type PspThreeDSecure,
} from "@paycore/core/psp/psp-port";
import Stripe from "stripe";
import { type ConnectionCheck, credentialsRejected } from "../credentials";
import { networkErrorKind, TransientPspError } from "../transient-error";

export interface StripePspOptions {
  name?: string;
  secretKey: string;
  host: string;
  port: number;
  protocol: "http" | "https";
  /** Per request; past it the outcome is unknown and resolved later. */
  timeoutMs: number;
}

export class StripePsp implements PaymentServiceProvider {
  readonly name: string;
  private readonly stripe: Stripe;

  constructor(options: StripePspOptions) {
    this.name = options.name ?? "stripe";
    this.stripe = new Stripe(options.secretKey, {
      host: options.host,
      port: options.port,
      protocol: options.protocol,
      // Retries are ours (same idempotency key, backoff, breaker): the SDK must not retry behind our back.
      maxNetworkRetries: 0,
      timeout: options.timeoutMs,
      telemetry: false,
    });
  }

  async authorize(request: AuthorizeRequest): Promise<PspOutcome> {
    return this.call(async () => {
      const intent = await this.stripe.paymentIntents.create(
        {
          // Sent as a digit string: exact for any amount (the SDK would format a number through a double).
          amount: request.amountMinor.toString() as unknown as number,
          currency: request.currency.toLowerCase(),
          confirm: true,
          capture_method: request.capture ? "automatic" : "manual",
          payment_method_data: {
            type: "card",
            card: {
              number: request.card.number,
              exp_month: request.card.expMonth,
              exp_year: request.card.expYear,
            },
          } as unknown as Stripe.PaymentIntentCreateParams.PaymentMethodData,
          metadata: { reference: request.reference },
          // 3-D Secure: where Stripe's challenge page sends the customer back; the charge comes expanded so a
          // frictionless authentication's details arrive with the answer (no second request).
          ...(request.returnUrl ? { return_url: request.returnUrl } : {}),
          expand: ["latest_charge"],
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return intentOutcome(intent);
    });
  }

  async capture(request: ModifyRequest): Promise<PspOutcome> {
    return this.call(async () => {
      const intent = await this.stripe.paymentIntents.capture(
        request.pspReference,
        { amount_to_capture: request.amountMinor.toString() as unknown as number },
        { idempotencyKey: request.idempotencyKey },
      );
      return intent.status === "succeeded"
        ? { outcome: "succeeded", pspReference: intent.id }
        : intent.status === "processing"
          ? { outcome: "pending", pspReference: intent.id }
          : {
              outcome: "failed",
              code: `status_${intent.status}`,
              message: "capture not applied",
              retryable: false,
            };
    });
  }

  async void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.call(async () => {
      const intent = await this.stripe.paymentIntents.cancel(
        request.pspReference,
        {},
        { idempotencyKey: request.idempotencyKey },
      );
      return intent.status === "canceled"
        ? { outcome: "succeeded", pspReference: intent.id }
        : {
            outcome: "failed",
            code: `status_${intent.status}`,
            message: "cancel not applied",
            retryable: false,
          };
    });
  }

  async refund(request: ModifyRequest): Promise<PspOutcome> {
    return this.call(async () => {
      const refund = await this.stripe.refunds.create(
        { payment_intent: request.pspReference, amount: request.amountMinor.toString() as unknown as number },
        { idempotencyKey: request.idempotencyKey },
      );
      if (refund.status === "succeeded") return { outcome: "succeeded", pspReference: refund.id };
      if (refund.status === "pending" || refund.status === "requires_action")
        return { outcome: "pending", pspReference: refund.id };
      return {
        outcome: "failed",
        code: refund.failure_reason ?? "refund_failed",
        message: "refund failed",
        retryable: false,
      };
    });
  }

  async status(pspReference: string): Promise<PspChargeStatus> {
    const intent = await this.translate(() => this.stripe.paymentIntents.retrieve(pspReference));
    const captured = BigInt(intent.amount_received ?? 0);
    const state =
      intent.status === "succeeded"
        ? "captured"
        : intent.status === "requires_capture"
          ? "authorized"
          : intent.status === "canceled"
            ? "voided"
            : "not_found";
    return { state, amountCapturedMinor: captured, amountRefundedMinor: 0n };
  }

  /**
   * Whether the credentials work: looks up an intent that cannot exist. Stripe answers 404 to a valid key and
   * 401 to a bad one, and nothing is created either way.
   */
  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.stripe.paymentIntents.retrieve("pi_paycore_connection_check");
      return { ok: true, error: null };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404)
        return { ok: true, error: null };
      if (isCredentialError(error)) return { ok: false, error: `credentials rejected: ${error.message}` };
      return { ok: false, error: `unreachable: ${(error as Error).message}` };
    }
  }

  /**
   * A refund is looked up by its own id; a capture or a cancellation by its PaymentIntent's status. Whatever is
   * not decided yet is "pending".
   */
  async lookupModification(query: ModificationQuery): Promise<PspOutcome> {
    return this.call(async () => {
      if (query.operation === "refund") {
        if (query.modificationReference === null)
          return { outcome: "unknown", message: "stripe: refund id not known" };
        const reference = query.modificationReference;
        const refund = await this.stripe.refunds.retrieve(reference);
        if (refund.status === "succeeded") return { outcome: "succeeded", pspReference: refund.id };
        if (refund.status === "failed" || refund.status === "canceled") {
          const code = refund.failure_reason ?? `refund_${refund.status}`;
          return { outcome: "failed", code, message: "refund failed", retryable: false };
        }
        return { outcome: "pending", pspReference: refund.id };
      }
      const intent = await this.stripe.paymentIntents.retrieve(query.paymentPspReference);
      const done = query.operation === "capture" ? "succeeded" : "canceled";
      if (intent.status === done) return { outcome: "succeeded", pspReference: intent.id };
      if (intent.status === "processing" || intent.status === "requires_capture")
        return { outcome: "pending", pspReference: intent.id };
      return {
        outcome: "failed",
        code: `status_${intent.status}`,
        message: `${query.operation} not applied`,
        retryable: false,
      };
    });
  }

  /**
   * 3-D Secure: after the challenge Stripe authorizes (or fails) the PaymentIntent by itself; its state is read
   * here, server to server, with the authentication's details from its charge.
   */
  async completeAuthentication(request: CompleteAuthenticationRequest): Promise<PspOutcome> {
    return this.call(async () => {
      const intent = await this.stripe.paymentIntents.retrieve(request.pspReference);
      if (intent.metadata?.reference !== request.reference) {
        return {
          outcome: "failed",
          code: REFERENCE_MISMATCH_CODE,
          message: "not this payment's",
          retryable: false,
        };
      }
      if (intent.status === "succeeded" || intent.status === "requires_capture") {
        const chargeId =
          typeof intent.latest_charge === "string" ? intent.latest_charge : intent.latest_charge?.id;
        const charge = chargeId ? await this.stripe.charges.retrieve(chargeId) : null;
        const threeDSecure = charge ? threeDSecureOf(charge) : null;
        return { outcome: "succeeded", pspReference: intent.id, ...(threeDSecure ? { threeDSecure } : {}) };
      }
      if (intent.last_payment_error?.code === AUTHENTICATION_FAILURE)
        return authenticationFailed("CHALLENGE");
      if (intent.status === "canceled")
        return { outcome: "failed", code: "charge_voided", message: "cancelled", retryable: false };
      return intentOutcome(intent);
    });
  }

  /**
   * Report runs created since `createdSinceS` (Unix seconds) that succeeded, newest first, at most `limit`
   * (`reporting.reportRuns.list`): how a lost `reporting.report_run.succeeded` webhook is made up for.
   */
  async succeededReportRuns(
    createdSinceS: number,
    limit: number,
  ): Promise<Array<{ id: string; url: string | null }>> {
    const page = await this.translate(() =>
      this.stripe.reporting.reportRuns.list({ limit, created: { gte: createdSinceS } }),
    );
    return page.data
      .filter((run) => run.status === "succeeded")
      .map((run) => ({ id: run.id, url: run.result?.url ?? null }));
  }

  /** Looks up a PaymentIntent by id: how webhook payloads are confirmed before they are trusted. */
  async retrieveIntent(id: string): Promise<Stripe.PaymentIntent> {
    return this.translate(() => this.stripe.paymentIntents.retrieve(id));
  }

  /**
   * Evidence through `disputes.update(id, { evidence, submit: true })` with the evidence's own idempotency key.
   * Each file is uploaded first through Stripe's Files API (`files.create`, purpose dispute_evidence, multipart; the
   * SDK sends it to its files host, which the configured host replaces, as for the API) with a key derived from the
   * evidence's, so a retry after a timeout gets the same file ids; each file id then goes into the evidence field of
   * its kind (stripeEvidenceFileFields). Our texts map onto Stripe's text fields; customer communication, which
   * Stripe takes as a file, is added to uncategorized_text.
   */
  async submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
    const texts = request.texts;
    const uploaded: Array<{ id: string; filename: string; kind: EvidenceFileKind }> = [];
    try {
      for (const [index, file] of request.files.entries()) {
        const created = await this.translate(() =>
          this.stripe.files.create(
            {
              purpose: "dispute_evidence",
              file: { data: Buffer.from(file.bytes), name: file.filename, type: file.contentType },
            },
            { idempotencyKey: `${request.idempotencyKey}:f${index}` },
          ),
        );
        uploaded.push({ id: created.id, filename: file.filename, kind: file.kind });
      }
    } catch (error) {
      return evidenceFailure(error);
    }
    const placed = stripeEvidenceFileFields(uploaded);
    const uncategorized = [
      texts.uncategorizedText,
      texts.customerCommunication ? `Customer communication:\n${texts.customerCommunication}` : undefined,
      placed.unplaced.length > 0
        ? `Further documents: ${placed.unplaced
            .map((file) => `${file.id} (${EVIDENCE_FILE_KIND_LABELS[file.kind]}: ${file.filename})`)
            .join(", ")}`
        : undefined,
    ].filter((part): part is string => part !== undefined && part.length > 0);
    const evidence: Stripe.DisputeUpdateParams.Evidence = {
      ...placed.fields,
      ...(texts.productDescription ? { product_description: texts.productDescription } : {}),
      ...(texts.shippingTracking ? { shipping_tracking_number: texts.shippingTracking } : {}),
      ...(texts.refundPolicy ? { refund_policy_disclosure: texts.refundPolicy } : {}),
      ...(uncategorized.length > 0 ? { uncategorized_text: uncategorized.join("\n\n") } : {}),
    };
    try {
      await this.translate(() =>
        this.stripe.disputes.update(
          request.disputeReference,
          { evidence, submit: true },
          { idempotencyKey: request.idempotencyKey },
        ),
      );
      return { outcome: "delivered" };
    } catch (error) {
      return evidenceFailure(error);
    }
  }

  private async call(run: () => Promise<PspOutcome>): Promise<PspOutcome> {
    try {
      return await this.translate(run);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        if (error.code === AUTHENTICATION_FAILURE) return authenticationFailed("FRICTIONLESS");
        const code = error.decline_code ?? error.code ?? "card_declined";
        // The refused PaymentIntent, recorded on the attempt: a dispute or notice about it (an attempt that
        // failed over, say) then finds that attempt instead of being a dead letter.
        const intentId = error.payment_intent?.id;
        const reference =
          typeof intentId === "string" && intentId.length > 0 ? { pspReference: intentId } : {};
        if (isRetryableFailureCode(error.code ?? "") || isRetryableFailureCode(code)) {
          return {
            outcome: "failed",
            code: error.code ?? code,
            message: error.message,
            retryable: true,
            ...reference,
          };
        }
        return { outcome: "declined", code, message: error.message, ...reference };
      }
      if (isCredentialError(error)) return credentialsRejected();
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        // The PSP refused the request as malformed or not applicable: nothing happened, and trying again will not help.
        return {
          outcome: "failed",
          code: error.code ?? "invalid_request",
          message: error.message,
          retryable: false,
        };
      }
      throw error;
    }
  }

  /** Maps the SDK's transient failures to TransientPspError; everything else is rethrown as is. */
  private async translate<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof Stripe.errors.StripeConnectionError) {
        const kind = networkErrorKind((error as { detail?: unknown }).detail ?? error);
        throw new TransientPspError(kind, error.message);
      }
      if (error instanceof Stripe.errors.StripeRateLimitError) {
        const retryAfter = Number(error.headers?.["retry-after"] ?? Number.NaN);
        throw new TransientPspError(
          "rate_limited",
          error.message,
          Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
        );
      }
      if (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode === 409) {
        throw new TransientPspError("in_progress", error.message);
      }
      if (
        error instanceof Stripe.errors.StripeAPIError ||
        (error as { statusCode?: number }).statusCode === 500 ||
        (error as { statusCode?: number }).statusCode === 503
      ) {
        throw new TransientPspError("server", (error as Error).message);
      }
      throw error;
    }
  }
}

/** A failed evidence call: refused as it stands (rejected), or perhaps arrived (unknown, sent again). */
function evidenceFailure(error: unknown): DisputeEvidenceOutcome {
  if (error instanceof TransientPspError) return { outcome: "unknown", message: error.message };
  if (isCredentialError(error)) return { outcome: "unknown", message: "the PSP refused our credentials" };
  if (error instanceof Stripe.errors.StripeInvalidRequestError) {
    return { outcome: "rejected", code: error.code ?? "invalid_request", message: error.message };
  }
  return { outcome: "unknown", message: error instanceof Error ? error.message : String(error) };
}

/** Stripe's evidence file field for each kind of document (one file per field). */
export const STRIPE_FILE_FIELD_BY_KIND: Readonly<Record<EvidenceFileKind, StripeEvidenceFileField>> = {
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

type StripeEvidenceFileField =
  | "receipt"
  | "customer_communication"
  | "shipping_documentation"
  | "refund_policy"
  | "cancellation_policy"
  | "customer_signature"
  | "service_documentation"
  | "duplicate_charge_documentation"
  | "uncategorized_file";

/**
 * Uploaded files placed in Stripe's evidence file fields by the kind the merchant gave each (a receipt in
 * `receipt`, shipping documentation in `shipping_documentation`, an uncategorized one in `uncategorized_file`).
 * Stripe takes one file per field: a second file of a kind goes to uncategorized_file while it is free; what is
 * left is listed by file id in uncategorized_text (returned as unplaced), so every uploaded file is referenced.
 */
export function stripeEvidenceFileFields(
  files: ReadonlyArray<{ id: string; filename: string; kind: EvidenceFileKind }>,
): {
  fields: Partial<Record<StripeEvidenceFileField, string>>;
  unplaced: Array<{ id: string; filename: string; kind: EvidenceFileKind }>;
} {
  const fields: Partial<Record<StripeEvidenceFileField, string>> = {};
  const unplaced: Array<{ id: string; filename: string; kind: EvidenceFileKind }> = [];
  for (const file of files) {
    const own = STRIPE_FILE_FIELD_BY_KIND[file.kind];
    const field = fields[own] === undefined ? own : "uncategorized_file";
    if (fields[field] === undefined) fields[field] = file.id;
    else unplaced.push(file);
  }
  return { fields, unplaced };
}

/** Stripe's code for a PaymentIntent whose 3-D Secure authentication failed. */
const AUTHENTICATION_FAILURE = "payment_intent_authentication_failure";

function authenticationFailed(flow: "FRICTIONLESS" | "CHALLENGE"): PspOutcome {
  return {
    outcome: "declined",
    code: "authentication_failed",
    message: "The cardholder failed 3-D Secure authentication.",
    threeDSecure: { status: "FAILED", flow, version: "2.2.0", eci: null, liabilityShift: false },
  };
}

/** payment_method_details.card.three_d_secure of a charge, as the core records it; null without 3-D Secure. */
function threeDSecureOf(charge: Stripe.Charge): PspThreeDSecure | null {
  const details = charge.payment_method_details?.card?.three_d_secure as
    | {
        authentication_flow?: string | null;
        result?: string | null;
        version?: string | null;
        electronic_commerce_indicator?: string | null;
      }
    | null
    | undefined;
  if (!details) return null;
  const authenticated = details.result === "authenticated";
  return {
    status: authenticated ? "AUTHENTICATED" : "FAILED",
    flow: details.authentication_flow === "challenge" ? "CHALLENGE" : "FRICTIONLESS",
    version: details.version ?? "2.2.0",
    eci: details.electronic_commerce_indicator ?? null,
    // Stripe: a successful authentication shifts fraud liability to the issuer.
    liabilityShift: authenticated,
  };
}

function intentOutcome(intent: Stripe.PaymentIntent): PspOutcome {
  switch (intent.status) {
    case "succeeded":
    case "requires_capture": {
      const charge = typeof intent.latest_charge === "object" ? intent.latest_charge : null;
      const threeDSecure = charge ? threeDSecureOf(charge) : null;
      return { outcome: "succeeded", pspReference: intent.id, ...(threeDSecure ? { threeDSecure } : {}) };
    }
    case "requires_action": {
      const redirect = intent.next_action?.redirect_to_url?.url;
      if (!redirect)
        return {
          outcome: "failed",
          code: "unsupported_next_action",
          message: "no redirect",
          retryable: false,
        };
      return {
        outcome: "requires_action",
        pspReference: intent.id,
        redirectUrl: redirect,
        threeDSecure: {
          status: "CHALLENGE_REQUIRED",
          flow: "CHALLENGE",
          version: "2.2.0",
          eci: null,
          liabilityShift: false,
        },
      };
    }
    case "processing":
      return { outcome: "pending", pspReference: intent.id };
    default: {
      const error = intent.last_payment_error;
      if (error)
        return {
          outcome: "declined",
          code: error.decline_code ?? error.code ?? "card_declined",
          message: error.message ?? "declined",
          pspReference: intent.id,
        };
      return {
        outcome: "failed",
        code: `status_${intent.status}`,
        message: "unexpected payment intent status",
        retryable: false,
        pspReference: intent.id,
      };
    }
  }
}

/** 401 (unknown or revoked key) or 403 (a key without the permission): our credentials, not the request. */
function isCredentialError(error: unknown): error is Error {
  return (
    error instanceof Stripe.errors.StripeAuthenticationError ||
    error instanceof Stripe.errors.StripePermissionError
  );
}
