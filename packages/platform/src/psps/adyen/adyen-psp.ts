// The Adyen-style PSP through the official `@adyen/api-library`. The library
// hard-codes Adyen's hosts, so it gets an HTTP client that sends its requests
// to a configured base URL instead (the sandbox in test mode): the library
// still builds every request and parses every answer. Captures, cancels and
// refunds are asynchronous at Adyen: "received" is only an acknowledgement,
// and the outcome arrives by notification.

import { createRequire } from "node:module";
import type { CheckoutAPI as CheckoutApiType, Config, Types } from "@adyen/api-library";
import type { IRequest } from "@adyen/api-library/lib/src/typings/requestOptions";
import { EVIDENCE_FILE_KIND_LABELS } from "@paycore/core/disputes/dispute-evidence";
import { REFERENCE_MISMATCH_CODE } from "@paycore/core/payments/complete-authentication";
import type {
  AuthorizeRequest,
  CompleteAuthenticationRequest,
  DisputeEvidenceOutcome,
  DisputeEvidenceRequest,
  ModificationQuery,
  ModifyRequest,
  PaymentServiceProvider,
  PspChargeStatus,
  PspOutcome,
  PspThreeDSecure,
} from "@paycore/core/psp/psp-port";
import { type ConnectionCheck, credentialsRejected } from "../credentials";
import type { EvidencePdfRenderer } from "../psp-module";
import { networkErrorKind, TransientPspError } from "../transient-error";
import { type ApplicableDefenseReason, GENERIC_DOCUMENT_TYPE, planDefense } from "./defense-documents";

export interface AdyenPspOptions {
  name?: string;
  apiKey: string;
  merchantAccount: string;
  /** Where Adyen's checkout API is served, e.g. http://127.0.0.1:4010/adyen. */
  baseUrl: string;
  timeoutMs: number;
  /** Renders text evidence and PNG images as PDF (Adyen takes PDF, JPEG and TIFF only). */
  evidencePdf?: EvidencePdfRenderer;
}

const ADYEN_TEST_HOST = "https://checkout-test.adyen.com";
/** The Customer Area's host (the Disputes API, ca/services/DisputeService/v30), sent to the same base URL. */
const ADYEN_CA_TEST_HOST = "https://ca-test.adyen.com";
/** Adyen refusal reasons that mean "nothing charged, another try may work". */
const RETRYABLE_REFUSALS = new Set(["Acquirer Error", "Issuer Unavailable", "Not Submitted"]);

/** The library's HTTP client interface: sends its JSON to the configured base URL with its headers. */
class RedirectingHttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async request(
    endpoint: string,
    json: string | Buffer,
    config: Config,
    _isApiKeyRequired: boolean,
    requestOptions?: IRequest.Options,
  ): Promise<string> {
    const url = endpoint.startsWith(ADYEN_TEST_HOST)
      ? `${this.baseUrl}${endpoint.slice(ADYEN_TEST_HOST.length)}`
      : endpoint.startsWith(ADYEN_CA_TEST_HOST)
        ? `${this.baseUrl}${endpoint.slice(ADYEN_CA_TEST_HOST.length)}`
        : endpoint;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-api-key": config.apiKey ?? "",
    };
    if (requestOptions?.idempotencyKey) headers["idempotency-key"] = requestOptions.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(url, {
        method: requestOptions?.method ?? "POST",
        headers,
        body: typeof json === "string" ? json : new Uint8Array(json),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const kind = (error as Error).name === "TimeoutError" ? "timeout" : networkErrorKind(error);
      throw new TransientPspError(kind, `adyen: ${kind}`);
    }
    const body = await response.text().catch(() => {
      throw new TransientPspError("timeout", "adyen: response cut off");
    });
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
      throw new TransientPspError(
        "rate_limited",
        "adyen: 429",
        Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
      );
    }
    if (response.status === 409)
      throw new TransientPspError("in_progress", "adyen: request with this key in flight");
    if (response.status >= 500) throw new TransientPspError("server", `adyen: ${response.status}`);
    if (response.status >= 400) throw new AdyenRequestError(response.status, body);
    return body;
  }
}

/** A 4xx from Adyen: the request was refused as it stands; nothing happened. */
class AdyenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`adyen: ${status}`);
  }
}

// The library's ESM entry lacks Client and CheckoutAPI at run time; its CommonJS build has them.
const adyen = createRequire(import.meta.url)("@adyen/api-library") as typeof import("@adyen/api-library");

export class AdyenPsp implements PaymentServiceProvider {
  readonly name: string;
  private readonly checkout: CheckoutApiType;
  private readonly disputes: InstanceType<typeof adyen.DisputesAPI>["DisputesApi"];

  constructor(private readonly options: AdyenPspOptions) {
    this.name = options.name ?? "adyen";
    const client = new adyen.Client({ apiKey: options.apiKey, environment: adyen.EnvironmentEnum.TEST });
    client.httpClient = new RedirectingHttpClient(options.baseUrl.replace(/\/$/, ""), options.timeoutMs);
    this.checkout = new adyen.CheckoutAPI(client);
    this.disputes = new adyen.DisputesAPI(client).DisputesApi;
  }

  /**
   * Evidence through Adyen's Disputes API: each file, then the texts as one document, with supplyDefenseDocument
   * (one document per call keeps each request small), then defendDispute. Every call has its own key derived
   * from the evidence's, so a retry after a timeout repeats none of them at Adyen. Adyen takes PDF, JPEG and TIFF
   * documents only: the texts (closed by the list of documents under their kinds' labels) are rendered into a PDF
   * and a PNG is wrapped in one under its kind's label (documents/evidence-pdf.ts, deterministic bytes, so a retry
   * sends the same body under the same key).
   */
  async submitDisputeEvidence(request: DisputeEvidenceRequest): Promise<DisputeEvidenceOutcome> {
    const merchantAccountCode = this.options.merchantAccount;
    const renderer = this.options.evidencePdf;
    const needsRendering =
      request.files.some((file) => file.contentType === "image/png") ||
      Object.values(request.texts).some((text) => text.length > 0);
    if (renderer === undefined && needsRendering) {
      return {
        outcome: "rejected",
        code: "no_pdf_renderer",
        message: "this adapter cannot render evidence as PDF",
      };
    }
    const documents: Array<{ content: Uint8Array; contentType: string }> = [];
    // Each document's kind as a label: above a PNG's image, and in the list that closes the texts' PDF (a PDF or
    // JPEG of the merchant's is sent as it is). Its kind also picks Adyen's type code (defense-documents.ts).
    const labelled = request.files.map((file) => ({
      label: EVIDENCE_FILE_KIND_LABELS[file.kind],
      filename: file.filename,
    }));
    for (const [index, file] of request.files.entries()) {
      const entry = labelled[index]!;
      documents.push(
        file.contentType === "image/png"
          ? {
              content: await (renderer as EvidencePdfRenderer).image(
                file.filename,
                file.bytes,
                `${entry.label}: ${entry.filename}`,
              ),
              contentType: "application/pdf",
            }
          : { content: file.bytes, contentType: file.contentType },
      );
    }
    const hasTexts = Object.values(request.texts).some((text) => text.length > 0);
    if (hasTexts || (renderer !== undefined && request.files.length > 0)) {
      documents.push({
        content: await (renderer as EvidencePdfRenderer).texts(
          request.disputeReference,
          request.texts,
          labelled,
        ),
        contentType: "application/pdf",
      });
    }
    // The texts' PDF (last, when there is one) has no kind: it goes as generic material.
    const kinds = documents.map((_, index) => request.files[index]?.kind ?? null);
    try {
      const plan = planDefense(kinds, await this.applicableDefenseReasons(request.disputeReference));
      for (const [index, document] of documents.entries()) {
        const supplied = await this.disputes.supplyDefenseDocument(
          {
            disputePspReference: request.disputeReference,
            merchantAccountCode,
            defenseDocuments: [
              {
                content: Buffer.from(document.content).toString("base64"),
                contentType: document.contentType,
                defenseDocumentTypeCode: plan.documentTypes[index] ?? GENERIC_DOCUMENT_TYPE,
              },
            ],
          } as never,
          { idempotencyKey: `${request.idempotencyKey}:d${index}` },
        );
        if (supplied.disputeServiceResult?.success !== true) {
          return {
            outcome: "rejected",
            code: "defense_document_refused",
            message: supplied.disputeServiceResult?.errorMessage ?? "refused",
          };
        }
      }
      const defended = await this.disputes.defendDispute(
        {
          disputePspReference: request.disputeReference,
          merchantAccountCode,
          defenseReasonCode: plan.defenseReasonCode,
        },
        { idempotencyKey: `${request.idempotencyKey}:defend` },
      );
      if (defended.disputeServiceResult?.success !== true) {
        return {
          outcome: "rejected",
          code: "defense_refused",
          message: defended.disputeServiceResult?.errorMessage ?? "refused",
        };
      }
      return { outcome: "delivered" };
    } catch (error) {
      if (error instanceof AdyenRequestError && error.status !== 401 && error.status !== 403) {
        return { outcome: "rejected", code: `http_${error.status}`, message: "request refused" };
      }
      return { outcome: "unknown", message: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * The defence reasons Adyen says apply to this dispute, with their document types (a read: no idempotency key).
   * An answer without them (or a refusal) leaves the generic reason and type; an error is thrown to the caller.
   */
  private async applicableDefenseReasons(disputeReference: string): Promise<ApplicableDefenseReason[]> {
    const answer = await this.disputes.retrieveApplicableDefenseReasons({
      disputePspReference: disputeReference,
      merchantAccountCode: this.options.merchantAccount,
    } as never);
    if (answer.disputeServiceResult?.success !== true) return [];
    return (answer.defenseReasons ?? []) as ApplicableDefenseReason[];
  }

  async authorize(request: AuthorizeRequest): Promise<PspOutcome> {
    const value = toAdyenValue(request.amountMinor);
    if (value === null) return tooLarge();
    return this.answer(async () => {
      const response = await this.checkout.PaymentsApi.payments(
        {
          amount: { value, currency: request.currency },
          reference: request.reference,
          merchantAccount: this.options.merchantAccount,
          paymentMethod: {
            type: "scheme",
            number: request.card.number,
            expiryMonth: String(request.card.expMonth).padStart(2, "0"),
            expiryYear: String(request.card.expYear),
          } as never,
          ...(request.capture ? {} : { additionalData: { manualCapture: "true" } }),
          // 3-D Secure: where the challenge page sends the shopper back.
          ...(request.returnUrl ? { returnUrl: request.returnUrl } : {}),
        } as unknown as Parameters<CheckoutApiType["PaymentsApi"]["payments"]>[0],
        { idempotencyKey: request.idempotencyKey },
      );
      return paymentOutcome(response);
    });
  }

  /**
   * 3-D Secure: /payments/details. After the shopper's return, with the opaque `redirectResult` it carried as
   * `details.redirectResult` (what live Adyen expects); without a return (the resolver after a lost answer,
   * expiry, a notification), with the challenge's paymentData (its reference, kept server-side). Adyen
   * authorises the payment if the shopper completed the challenge, refuses it otherwise, or asks again. The
   * answer must be about this payment (merchantReference and pspReference): a redirect result of another
   * payment is `reference_mismatch`, and nothing is recorded.
   */
  async completeAuthentication(request: CompleteAuthenticationRequest): Promise<PspOutcome> {
    return this.answer(async () => {
      const body: Types.checkout.PaymentDetailsRequest = request.redirectResult
        ? { details: { redirectResult: request.redirectResult } }
        : { paymentData: request.pspReference, details: {} };
      const response = await this.checkout.PaymentsApi.paymentsDetails(body, {
        idempotencyKey: request.idempotencyKey,
      });
      const merchantReference = (response as { merchantReference?: string }).merchantReference;
      if (
        (merchantReference !== undefined && merchantReference !== request.reference) ||
        (response.pspReference !== undefined && response.pspReference !== request.pspReference)
      ) {
        return {
          outcome: "failed",
          code: REFERENCE_MISMATCH_CODE,
          message: "not this payment's",
          retryable: false,
        };
      }
      return paymentOutcome(
        { ...response, pspReference: response.pspReference ?? request.pspReference },
        "CHALLENGE",
      );
    });
  }

  async capture(request: ModifyRequest): Promise<PspOutcome> {
    const value = toAdyenValue(request.amountMinor);
    if (value === null) return tooLarge();
    return this.answer(async () => {
      const response = await this.checkout.ModificationsApi.captureAuthorisedPayment(
        request.pspReference,
        {
          amount: { value, currency: request.currency },
          merchantAccount: this.options.merchantAccount,
          reference: request.idempotencyKey,
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return { outcome: "pending", pspReference: response.pspReference };
    });
  }

  async void(request: Omit<ModifyRequest, "amountMinor">): Promise<PspOutcome> {
    return this.answer(async () => {
      const response = await this.checkout.ModificationsApi.cancelAuthorisedPaymentByPspReference(
        request.pspReference,
        { merchantAccount: this.options.merchantAccount, reference: request.idempotencyKey },
        { idempotencyKey: request.idempotencyKey },
      );
      return { outcome: "pending", pspReference: response.pspReference };
    });
  }

  async refund(request: ModifyRequest): Promise<PspOutcome> {
    const value = toAdyenValue(request.amountMinor);
    if (value === null) return tooLarge();
    return this.answer(async () => {
      const response = await this.checkout.ModificationsApi.refundCapturedPayment(
        request.pspReference,
        {
          amount: { value, currency: request.currency },
          merchantAccount: this.options.merchantAccount,
          reference: request.idempotencyKey,
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return { outcome: "pending", pspReference: response.pspReference };
    });
  }

  /** Whether the credentials work: the payment methods of the merchant account, which changes nothing. */
  async checkConnection(): Promise<ConnectionCheck> {
    try {
      await this.checkout.PaymentsApi.paymentMethods({ merchantAccount: this.options.merchantAccount });
      return { ok: true, error: null };
    } catch (error) {
      if (error instanceof AdyenRequestError && (error.status === 401 || error.status === 403))
        return { ok: false, error: `credentials rejected: adyen ${error.status}` };
      if (error instanceof AdyenRequestError) return { ok: false, error: `refused: adyen ${error.status}` };
      return { ok: false, error: `unreachable: ${(error as Error).message}` };
    }
  }

  async status(): Promise<PspChargeStatus> {
    // Adyen has no lookup by payment: outcomes are resolved by retrying with the same idempotency key.
    return { state: "not_found", amountCapturedMinor: 0n, amountRefundedMinor: 0n };
  }

  async lookupModification(_query: ModificationQuery): Promise<PspOutcome> {
    // Adyen has no lookup of a modification: sending it again only replays "received". Its notification
    // decides; without one, the resolver escalates to operators after its schedule.
    return { outcome: "unknown", message: "adyen: modifications cannot be looked up" };
  }

  private async answer(run: () => Promise<PspOutcome>): Promise<PspOutcome> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof AdyenRequestError && (error.status === 401 || error.status === 403))
        return credentialsRejected();
      // 704: the key was used before with another body. Its first request may well have charged, so this says
      // nothing about the outcome: unknown, for the resolver (never a definite failure).
      if (
        error instanceof AdyenRequestError &&
        error.status === 422 &&
        /"errorCode"\s*:\s*"704"/.test(error.body)
      )
        return { outcome: "unknown", message: "adyen: idempotency key already used with another request" };
      if (error instanceof AdyenRequestError) {
        return {
          outcome: "failed",
          code: `http_${error.status}`,
          message: "request refused",
          retryable: false,
        };
      }
      throw error;
    }
  }
}

/** Adyen carries amounts as JSON numbers: exact only up to 2^53 - 1. */
function toAdyenValue(amountMinor: bigint): number | null {
  return amountMinor <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(amountMinor) : null;
}

function tooLarge(): PspOutcome {
  // Refused before sending anything: another PSP may take it.
  return {
    outcome: "failed",
    code: "amount_too_large",
    message: "amount above what this PSP can carry",
    retryable: true,
  };
}

/** Adyen refusal reasons mapped onto the decline codes our API reports. */
interface AdyenPaymentAnswer {
  pspReference?: string;
  resultCode?: unknown;
  refusalReason?: string;
  additionalData?: Record<string, string> | null;
  action?: unknown;
}

/** A /payments or /payments/details answer as an outcome, with its 3-D Secure details. */
function paymentOutcome(response: AdyenPaymentAnswer, flowHint?: "CHALLENGE"): PspOutcome {
  const pspReference = response.pspReference ?? "";
  const threeDSecure = threeDSecureOf(response.additionalData ?? null, flowHint);
  const secure = threeDSecure ? { threeDSecure } : {};
  // A refusal keeps the reference Adyen gave it: its notification (or a dispute about an attempt that failed over)
  // then finds that attempt.
  const refused = pspReference.length > 0 ? { pspReference } : {};
  switch (String(response.resultCode)) {
    case "Authorised":
      return { outcome: "succeeded", pspReference, ...secure };
    case "Received":
    case "Pending":
      return { outcome: "pending", pspReference };
    case "RedirectShopper":
    case "ChallengeShopper": {
      const url = (response.action as { url?: string } | null | undefined)?.url;
      if (!url)
        return { outcome: "failed", code: "unsupported_action", message: "no redirect", retryable: false };
      return {
        outcome: "requires_action",
        pspReference,
        redirectUrl: url,
        threeDSecure: {
          status: "CHALLENGE_REQUIRED",
          flow: "CHALLENGE",
          version: "2.2.0",
          eci: null,
          liabilityShift: false,
        },
      };
    }
    case "Cancelled":
      return { outcome: "failed", code: "charge_voided", message: "cancelled", retryable: false };
    case "Refused": {
      const reason = response.refusalReason ?? "Refused";
      if (RETRYABLE_REFUSALS.has(reason))
        return { outcome: "failed", code: reason, message: reason, retryable: true, ...refused };
      return { outcome: "declined", code: refusalCode(reason), message: reason, ...secure, ...refused };
    }
    default:
      return {
        outcome: "failed",
        code: "processing_error",
        message: response.refusalReason ?? "Error",
        retryable: true,
        ...refused,
      };
  }
}

/** Adyen's 3-D Secure additionalData (threeDAuthenticated, liabilityShift, threeDSVersion, eci); null without. */
function threeDSecureOf(data: Record<string, string> | null, flowHint?: "CHALLENGE"): PspThreeDSecure | null {
  if (data === null || data.threeDOffered !== "true") return null;
  const authenticated = data.threeDAuthenticated === "true";
  return {
    status: authenticated ? "AUTHENTICATED" : "FAILED",
    flow: flowHint ?? (data.threeDSAuthenticationFlow === "challenge" ? "CHALLENGE" : "FRICTIONLESS"),
    version: data.threeDSVersion ?? "2.2.0",
    eci: data.eci ?? null,
    liabilityShift: data.liabilityShift === "true",
  };
}

function refusalCode(reason: string): string {
  const table: Record<string, string> = {
    "Not enough balance": "insufficient_funds",
    "Expired Card": "expired_card",
    "CVC Declined": "incorrect_cvc",
    "Stolen Card": "stolen_card",
    "3D Not Authenticated": "authentication_failed",
    "Lost Card": "lost_card",
    FRAUD: "fraudulent",
    Fraud: "fraudulent",
    Refused: "card_declined",
  };
  return table[reason] ?? reason.toLowerCase().replace(/[^a-z0-9]+/g, "_");
}
