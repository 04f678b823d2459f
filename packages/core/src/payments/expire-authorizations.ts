// Authorizations expire: a card network holds an authorization for a limited window (per brand), after which the
// PSP may release it and a capture fails. An authorized payment left uncaptured is voided through the core's
// cancel path shortly before its brand's window closes, with a warning event on the payment a day ahead (and the
// workbench's needs-attention item meanwhile). Run by a worker in bounded batches; each void is under its own
// idempotency key, so several processes may run it.
import { invariant } from "../errors/domain-error";
import { type MerchantId, type PaymentId, parseIdempotencyKey } from "../ids/ids";
import { runModification, voidModification } from "./modify-payment";
import { apiEvent } from "./payment-changes";
import { changeWithRetry, type PaymentCommandsDependencies, scope, systemActor } from "./payment-deps";
import type { Mode } from "./payment-record";
import { planCancel } from "./payment-rules";

const DAY_MS = 86_400_000;

export interface AuthorizationWindows {
  /** Days an authorization is held when its brand has no window of its own (7 by default). */
  defaultDays: number;
  /** Per brand (lower-case, as payment methods store it): days. */
  byBrand: Readonly<Record<string, number>>;
  /** The warning event comes this long before the window closes (a day). */
  warnBeforeMs: number;
  /** The void is sent this long before the window closes (an hour), so it lands while the hold still exists. */
  voidBeforeMs: number;
}

export const DEFAULT_AUTHORIZATION_WINDOWS: AuthorizationWindows = {
  defaultDays: 7,
  byBrand: {},
  warnBeforeMs: DAY_MS,
  voidBeforeMs: 60 * 60_000,
};

export const AUTHORIZATION_EXPIRY_BATCH_MAX = 100;

/** An authorized payment whose warning or void is due. */
export interface DueAuthorization {
  paymentId: PaymentId;
  merchantId: MerchantId;
  mode: Mode;
  /** When its brand's window closes. */
  expiresAt: Date;
  /** Its warning event is already written. */
  warned: boolean;
}

export interface AuthorizationExpiryStore {
  /**
   * AUTHORIZED payments with nothing in flight whose warning (not written yet) or void is due at `now`, soonest
   * expiry first. The window runs from the authorization's success at the PSP.
   */
  dueAuthorizations(now: Date, windows: AuthorizationWindows, limit: number): Promise<DueAuthorization[]>;
}

export function validateWindows(windows: AuthorizationWindows): AuthorizationWindows {
  const days = [windows.defaultDays, ...Object.values(windows.byBrand)];
  invariant(
    days.every((d) => Number.isInteger(d) && d >= 2 && d <= 60),
    "authorization windows are whole days from 2 to 60",
  );
  invariant(
    windows.voidBeforeMs >= 0 && windows.warnBeforeMs > windows.voidBeforeMs,
    "the warning comes before the void",
  );
  return windows;
}

export async function expireAuthorizations(
  deps: PaymentCommandsDependencies,
  store: AuthorizationExpiryStore,
  windows: AuthorizationWindows,
  limit = AUTHORIZATION_EXPIRY_BATCH_MAX,
): Promise<{ warned: number; voided: number; failed: number }> {
  const now = deps.now();
  const due = await store.dueAuthorizations(now, windows, Math.min(limit, AUTHORIZATION_EXPIRY_BATCH_MAX));
  const summary = { warned: 0, voided: 0, failed: 0 };
  for (const authorization of due) {
    const actor = systemActor(authorization, "SYSTEM", "authorization-expiry");
    const voidAt = authorization.expiresAt.getTime() - windows.voidBeforeMs;
    try {
      if (now.getTime() >= voidAt) {
        const key = parseIdempotencyKey(`system:authorization-expiry:${authorization.paymentId}`);
        const expire = voidModification(actor, "authorization.expired", planCancel);
        const outcome = await deps.idempotency.run(
          scope(actor, key),
          "expireAuthorization",
          { paymentId: authorization.paymentId },
          (context) => runModification(deps, actor, context, authorization.paymentId, expire),
        );
        if (outcome.value.payment.status === "CANCELLED") summary.voided++;
        else summary.failed++;
      } else if (!authorization.warned) {
        await changeWithRetry(deps, actor, authorization.paymentId, (payment) => {
          planCancel(payment);
          return {
            patch: {},
            events: [
              apiEvent(actor, "authorization.expiring", payment.status, payment.status, {
                expiresAt: authorization.expiresAt.toISOString(),
                voidAt: new Date(voidAt).toISOString(),
              }),
            ],
            outbox: [],
          };
        });
        summary.warned++;
      }
    } catch {
      // Captured or cancelled meanwhile, or a PSP that did not answer: the next sweep looks again.
      summary.failed++;
    }
  }
  return summary;
}
