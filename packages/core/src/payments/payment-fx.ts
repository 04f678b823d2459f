// When a payment converts (multiple currencies, issue 18): the merchant settles in other currencies than the
// payment's, so its capture converts to the first of them at the rate in force, locked on the payment, and its
// refunds convert back at that locked rate. Requests check the rate first (fail fast, nothing written, nothing
// locked): createPayment, capturePayment and refundPayment answer FX_RATE_MISSING or FX_RATE_STALE before
// any PSP is asked. Recording an outcome the PSP already decided (its answer, a notification, the resolver)
// uses the newest rate even when it has since gone stale: the money has moved, and a stored rate is never
// guessed.
import type { FxCaptureTerms, FxRefundTerms } from "../fx/fx-postings";
import type { PaymentId } from "../ids/ids";
import type { CurrencyCode } from "../money/currency";
import type { PaymentFxRates } from "../ports/payment-fx";
import type { MerchantSettings, PaymentStore } from "../ports/payment-store";
import type { MerchantActor, PaymentRecord } from "./payment-record";

export interface FxDeps {
  store: Pick<PaymentStore, "merchantSettings">;
  /** Absent: no conversion at all (unit tests of the single-currency core). */
  fx?: PaymentFxRates;
}

/** The currency a payment in `currency` settles in, or null when it settles as it is. */
export function settlementCurrencyOf(
  settings: MerchantSettings,
  currency: CurrencyCode,
): CurrencyCode | null {
  const currencies = settings.settlement?.currencies ?? [];
  if (currencies.length === 0 || currencies.includes(currency)) return null;
  return currencies[0] as CurrencyCode;
}

/** For a request: refuses when the conversion it will need has no fresh rate. */
export async function checkConversionRate(
  deps: FxDeps,
  actor: MerchantActor,
  currency: CurrencyCode,
  field: string[] = ["currency"],
): Promise<void> {
  if (!deps.fx) return;
  const target = settlementCurrencyOf(await deps.store.merchantSettings(actor), currency);
  if (target !== null) await deps.fx.rateInForce(currency, target, field);
}

/** For a capture request: refuses when the payment will convert and no fresh rate exists (no read otherwise). */
export async function checkCaptureRate(
  deps: FxDeps & { store: Pick<PaymentStore, "findPayment"> },
  actor: MerchantActor,
  paymentId: PaymentId,
): Promise<void> {
  if (!deps.fx) return;
  const settings = await deps.store.merchantSettings(actor);
  if ((settings.settlement?.currencies ?? []).length === 0) return;
  const payment = await deps.store.findPayment(actor, paymentId);
  if (payment !== null) await checkConversionRate(deps, actor, payment.currency, ["paymentId"]);
}

/** For a refund request of a converted payment: refuses when today's rate is missing or stale. */
export async function checkRefundRate(deps: FxDeps, paymentId: PaymentId): Promise<void> {
  if (!deps.fx) return;
  const locked = await deps.fx.captureConversionOf(paymentId);
  if (locked !== null)
    await deps.fx.rateInForce(locked.sourceCurrency, locked.settlementCurrency, ["paymentId"]);
}

/** What a capture of this payment converts with, or null when it settles in its own currency. */
export async function captureFxTerms(
  deps: FxDeps,
  actor: MerchantActor,
  payment: Pick<PaymentRecord, "currency">,
): Promise<FxCaptureTerms | null> {
  if (!deps.fx) return null;
  const settings = await deps.store.merchantSettings(actor);
  const target = settlementCurrencyOf(settings, payment.currency);
  if (target === null) return null;
  const rate = await deps.fx.newestRate(payment.currency, target);
  return { settlementCurrency: target, rate, fxFeeBps: settings.settlement?.fxFeeBps ?? 0 };
}

/** What a refund of this payment converts with: its capture's locked rate and today's; null when not converted. */
export async function refundFxTerms(
  deps: FxDeps,
  payment: Pick<PaymentRecord, "id" | "currency">,
): Promise<FxRefundTerms | null> {
  if (!deps.fx) return null;
  const locked = await deps.fx.captureConversionOf(payment.id);
  if (locked === null) return null;
  const today = await deps.fx.newestRate(payment.currency, locked.settlementCurrency);
  return { settlementCurrency: locked.settlementCurrency, capturedAt: locked.rate, today };
}
