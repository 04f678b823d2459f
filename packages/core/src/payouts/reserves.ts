// Reserves: funds of the merchant held back from the available balance in merchant_reserved. A rolling reserve
// holds rollingBps of each released capture (rounded down to the minor unit: the merchant is never held more than
// the rate) for rollingDays, then the balance-release worker gives it back; a fixed reserve holds a set amount
// while it is set (raising it holds the difference at once, lowering it releases the difference). Payouts take
// only from the available balance (merchant_balance), so they never touch reserved funds. Each move is one
// balanced entry between merchant_balance and merchant_reserved: the merchant's total balance does not change.
import { DomainError } from "../errors/domain-error";
import { assertBalanced, type JournalEntryDraft } from "../ledger/postings";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { parseAmountMinor } from "../money/money";

export const RESERVE_BPS_MAX = 5_000;
export const RESERVE_DAYS_MAX = 180;
const BPS_PER_WHOLE = 10_000n;
const DAY_MS = 24 * 60 * 60_000;

export interface ReservePolicy {
  currency: CurrencyCode;
  /** Basis points of each released capture held (0..5000). */
  rollingBps: number;
  /** Days each rolling hold is kept (1..180 when rollingBps > 0, else 0). */
  rollingDays: number;
  /** The fixed reserve in minor units (0: none). */
  fixedMinor: bigint;
}

export function parseReservePolicy(
  currency: CurrencyCode,
  input: { rollingBps: number; rollingDays: number; fixed: unknown },
): ReservePolicy {
  if (!Number.isInteger(input.rollingBps) || input.rollingBps < 0 || input.rollingBps > RESERVE_BPS_MAX)
    throw new DomainError("INVALID_INPUT", `rollingBps must be an integer from 0 to ${RESERVE_BPS_MAX}.`, {
      field: ["rollingBps"],
    });
  if (!Number.isInteger(input.rollingDays) || input.rollingDays < 0 || input.rollingDays > RESERVE_DAYS_MAX)
    throw new DomainError("INVALID_INPUT", `rollingDays must be an integer from 0 to ${RESERVE_DAYS_MAX}.`, {
      field: ["rollingDays"],
    });
  if ((input.rollingBps === 0) !== (input.rollingDays === 0))
    throw new DomainError(
      "INVALID_INPUT",
      "A rolling reserve needs both a rate and a number of days (or neither).",
      { field: ["rollingDays"] },
    );
  const fixedMinor = parseAmountMinor(input.fixed, { currency, field: ["fixed"], allowZero: true });
  return { currency, rollingBps: input.rollingBps, rollingDays: input.rollingDays, fixedMinor };
}

/** What a rolling reserve holds of a released amount: floor(amount × bps / 10 000). */
export function rollingHoldMinor(amountMinor: bigint, rollingBps: number): bigint {
  if (amountMinor <= 0n || rollingBps <= 0) return 0n;
  return (amountMinor * BigInt(rollingBps)) / BPS_PER_WHOLE;
}

export function rollingReleaseOn(now: Date, rollingDays: number): Date {
  return new Date(now.getTime() + rollingDays * DAY_MS);
}

function move(
  kind: "reserve.held" | "reserve.released",
  currency: CurrencyCode,
  amountMinor: bigint,
): JournalEntryDraft {
  const entry: JournalEntryDraft = {
    kind,
    currency,
    lines:
      kind === "reserve.held"
        ? [
            { account: "merchant_balance", direction: "DEBIT", amountMinor },
            { account: "merchant_reserved", direction: "CREDIT", amountMinor },
          ]
        : [
            { account: "merchant_reserved", direction: "DEBIT", amountMinor },
            { account: "merchant_balance", direction: "CREDIT", amountMinor },
          ],
  };
  assertBalanced(entry);
  return entry;
}

/** Available -> reserved. */
export function reserveHoldPosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  return move("reserve.held", input.currency, input.amountMinor);
}

/** Reserved -> available. */
export function reserveReleasePosting(input: {
  amountMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft {
  return move("reserve.released", input.currency, input.amountMinor);
}

/** The entry that moves a fixed reserve from `fromMinor` to `toMinor`, or null when it does not change. */
export function fixedReserveChangePosting(input: {
  fromMinor: bigint;
  toMinor: bigint;
  currency: CurrencyCode;
}): JournalEntryDraft | null {
  const delta = input.toMinor - input.fromMinor;
  if (delta === 0n) return null;
  return delta > 0n
    ? reserveHoldPosting({ amountMinor: delta, currency: input.currency })
    : reserveReleasePosting({ amountMinor: -delta, currency: input.currency });
}

/** RESERVE_APPROVAL_ABOVE's default: fixed reserves above 10,000 major units need a second admin. */
export const DEFAULT_RESERVE_APPROVAL_ABOVE_MAJOR = 10_000n;

/** The four-eyes kind of a reserve above the threshold (approvals/approval-commands.ts, an admin approves). */
export const SET_RESERVE = "payouts.set_reserve";

/** What a reserve's approval request carries: the merchant, mode and the policy to set when approved. */
export interface ReserveApprovalPayload {
  merchantId: string;
  mode: "TEST" | "LIVE";
  policy: ReservePolicy;
}

export function reserveApprovalPayload(
  merchantId: string,
  mode: "TEST" | "LIVE",
  policy: ReservePolicy,
): Record<string, string | number> {
  return {
    merchantId,
    mode,
    currency: policy.currency,
    rollingBps: policy.rollingBps,
    rollingDays: policy.rollingDays,
    fixed: policy.fixedMinor.toString(),
  };
}

/** The reserve an approved request sets (null when its payload is not one: then it is never applied). */
export function reserveFromApproval(payload: Record<string, unknown>): ReserveApprovalPayload | null {
  const { merchantId, mode, currency, rollingBps, rollingDays, fixed } = payload;
  if (typeof merchantId !== "string" || (mode !== "TEST" && mode !== "LIVE") || typeof currency !== "string")
    return null;
  if (typeof rollingBps !== "number" || typeof rollingDays !== "number" || typeof fixed !== "string")
    return null;
  const parsedCurrency = parseCurrency(currency);
  if (parsedCurrency === null) return null;
  try {
    return {
      merchantId,
      mode,
      policy: parseReservePolicy(parsedCurrency, { rollingBps, rollingDays, fixed }),
    };
  } catch {
    return null;
  }
}
