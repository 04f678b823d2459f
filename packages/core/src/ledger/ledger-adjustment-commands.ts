// Manual ledger adjustments, the one write path (console): validated, balanced, between adjustable accounts, with
// a reason. Up to the threshold it is posted at once with its audit row; above it, it waits as a four-eyes request
// (ApprovalCommands) and is posted by a second operator's approval, in the approving transaction (the applier of
// kind LEDGER_ADJUSTMENT in packages/db). Both operators are recorded on the adjustment.
import type { ApprovalCommands } from "../approvals/approval-commands";
import { validReason } from "../approvals/approval-commands";
import { DomainError } from "../errors/domain-error";
import { type MerchantId, newId, parseId } from "../ids/ids";
import { type CurrencyCode, currencyExponent, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";
import type { Mode } from "../payments/payment-record";
import type { Actor, AuditValue } from "../ports/audit";
import type { LedgerAdjustmentStore } from "../ports/ledger-adjustment-store";
import {
  type AdjustableAccount,
  adjustmentLines,
  isAdjustableAccount,
  type LedgerAdjustment,
} from "./ledger-adjustment";

/** The approval kind of an adjustment above the threshold. */
export const LEDGER_ADJUSTMENT = "ledger.manual_adjustment";

/** Above this many major units of the currency, a second operator approves (configurable). */
export const DEFAULT_ADJUSTMENT_APPROVAL_ABOVE_MAJOR = 100n;

/**
 * The threshold holds for what one operator posts alone over this window, not for each adjustment: 100 adjustments
 * of 100.00 are 10,000.00 moved by one person (seen in the 2026-12-08 campaign). Past it, each needs approval.
 */
export const DIRECT_ADJUSTMENT_WINDOW_HOURS = 24;

export interface LedgerAdjustmentInput {
  merchantId: string;
  mode: string;
  currency: string;
  debitAccount: string;
  creditAccount: string;
  /** Minor units, as digits. */
  amountMinor: string | bigint;
  reason: string;
  /** The form's key (8 to 200 characters): the same key again answers the first adjustment, posting nothing. */
  requestKey?: string;
}

export type LedgerAdjustmentResult =
  | { status: "POSTED"; journalEntryId: string }
  | { status: "PENDING_APPROVAL"; journalEntryId: string; approvalRequestId: string };

const invalid = (message: string, field: string) =>
  new DomainError("LEDGER_ADJUSTMENT_INVALID", message, { field: [field] });

/** The payload an approval carries: everything needed to post the adjustment when approved. */
export function adjustmentPayload(adjustment: LedgerAdjustment): Record<string, AuditValue> {
  return {
    journalEntryId: adjustment.journalEntryId,
    merchantId: adjustment.merchantId,
    mode: adjustment.mode,
    currency: adjustment.currency,
    debitAccount: adjustment.debitAccount,
    creditAccount: adjustment.creditAccount,
    amountMinor: adjustment.amountMinor.toString(),
    reason: adjustment.reason,
    ...(adjustment.requestKey === null ? {} : { requestKey: adjustment.requestKey }),
  };
}

/** The adjustment an approved request posts (null when the payload is not one: never approved then). */
export function adjustmentFromApproval(request: {
  id: string;
  payload: Record<string, AuditValue>;
  requestedBy: string;
  decidedBy: string | null;
}): LedgerAdjustment | null {
  const p = request.payload;
  const currency = typeof p.currency === "string" ? parseCurrency(p.currency) : null;
  const merchantId = typeof p.merchantId === "string" ? parseId("merchant", p.merchantId) : null;
  if (
    currency === null ||
    merchantId === null ||
    (p.mode !== "TEST" && p.mode !== "LIVE") ||
    typeof p.journalEntryId !== "string" ||
    typeof p.debitAccount !== "string" ||
    typeof p.creditAccount !== "string" ||
    !isAdjustableAccount(p.debitAccount) ||
    !isAdjustableAccount(p.creditAccount) ||
    typeof p.amountMinor !== "string" ||
    !/^[1-9]\d{0,18}$/.test(p.amountMinor) ||
    typeof p.reason !== "string"
  )
    return null;
  return {
    journalEntryId: p.journalEntryId,
    merchantId,
    mode: p.mode,
    currency,
    debitAccount: p.debitAccount,
    creditAccount: p.creditAccount,
    amountMinor: BigInt(p.amountMinor),
    reason: p.reason,
    requestedBy: request.requestedBy,
    approvedBy: request.decidedBy,
    approvalRequestId: request.id,
    requestKey: typeof p.requestKey === "string" ? p.requestKey : null,
  };
}

export class LedgerAdjustmentCommands {
  constructor(
    private readonly deps: {
      store: LedgerAdjustmentStore;
      approvals: ApprovalCommands;
      /** Above this many major units a second operator approves. */
      approvalAboveMajor: bigint;
    },
  ) {}

  /** The threshold in the currency's minor units. */
  approvalAboveMinor(currency: CurrencyCode): bigint {
    return this.deps.approvalAboveMajor * 10n ** BigInt(currencyExponent(currency));
  }

  /** The adjustment already posted under the key (the same one again), or IDEMPOTENCY_KEY_REUSED for another. */
  private async replay(
    actor: Actor,
    requestKey: string,
    asked: { merchantId: string; mode: string; currency: string; amountMinor: bigint },
  ): Promise<LedgerAdjustmentResult | null> {
    const posted = await this.deps.store.findByRequestKey(actor.name, requestKey);
    if (posted === null) return null;
    if (
      posted.merchantId !== asked.merchantId ||
      posted.mode !== asked.mode ||
      posted.currency !== asked.currency ||
      posted.amountMinor !== asked.amountMinor
    )
      throw new DomainError("IDEMPOTENCY_KEY_REUSED", "This form's key was used for another adjustment.", {
        field: ["requestKey"],
      });
    return { status: "POSTED", journalEntryId: posted.journalEntryId };
  }

  async adjust(actor: Actor, input: LedgerAdjustmentInput): Promise<LedgerAdjustmentResult> {
    const merchantId = parseId("merchant", input.merchantId) as MerchantId | null;
    if (merchantId === null || !(await this.deps.store.merchantExists(merchantId)))
      throw invalid("No such merchant.", "merchantId");
    if (input.mode !== "TEST" && input.mode !== "LIVE") throw invalid("Mode is TEST or LIVE.", "mode");
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "Not a supported currency.", { field: ["currency"] });
    if (!isAdjustableAccount(input.debitAccount)) throw invalid("Not an adjustable account.", "debitAccount");
    if (!isAdjustableAccount(input.creditAccount))
      throw invalid("Not an adjustable account.", "creditAccount");
    if (input.debitAccount === input.creditAccount)
      throw invalid("Debit and credit two different accounts.", "creditAccount");
    const amountMinor = parseAmountMinor(input.amountMinor, { field: ["amount"] });
    if (amountMinor <= 0n)
      throw new DomainError("AMOUNT_INVALID", "The amount is positive.", { field: ["amount"] });
    const reason = validReason(input.reason);
    const requestKey = input.requestKey ?? null;
    if (requestKey !== null && (requestKey.length < 8 || requestKey.length > 200))
      throw new DomainError("INVALID_INPUT", "The request key is 8 to 200 characters.", {
        field: ["requestKey"],
      });
    const asked = { merchantId, mode: input.mode, currency, amountMinor };
    if (requestKey !== null) {
      const replayed = await this.replay(actor, requestKey, asked);
      if (replayed) return replayed;
    }
    const adjustment: LedgerAdjustment = {
      journalEntryId: newId("journalEntry"),
      merchantId,
      mode: input.mode as Mode,
      currency,
      debitAccount: input.debitAccount as AdjustableAccount,
      creditAccount: input.creditAccount as AdjustableAccount,
      amountMinor,
      reason,
      requestedBy: actor.name,
      approvedBy: null,
      approvalRequestId: null,
      requestKey,
    };
    adjustmentLines(adjustment);
    const limitMinor = this.approvalAboveMinor(currency);
    if (amountMinor <= limitMinor) {
      const posted = await this.deps.store.post(
        adjustment,
        {
          actor,
          action: "ledger.adjust",
          targetId: adjustment.journalEntryId,
          before: null,
          after: adjustmentPayload(adjustment),
        },
        { limitMinor, windowHours: DIRECT_ADJUSTMENT_WINDOW_HOURS },
      );
      if (posted === "posted") return { status: "POSTED", journalEntryId: adjustment.journalEntryId };
      if (posted === "duplicate_key" && requestKey !== null) {
        // The same form sent at once: the first one posted while this one waited for the lock.
        const replayed = await this.replay(actor, requestKey, asked);
        if (replayed) return replayed;
      }
    }
    const request = await this.deps.approvals.request(actor, {
      kind: LEDGER_ADJUSTMENT,
      targetId: adjustment.journalEntryId,
      payload: adjustmentPayload(adjustment),
      amountMinor,
      currency,
      reason,
    });
    return {
      status: "PENDING_APPROVAL",
      journalEntryId: adjustment.journalEntryId,
      approvalRequestId: request.id,
    };
  }
}
