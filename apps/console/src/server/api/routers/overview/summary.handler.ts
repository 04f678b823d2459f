// The overview: counts that need an operator now, and daily series over the last 14 UTC days (every day
// present, zero when nothing happened). Rates are fractions (0..1), or null on a day with nothing to divide.
import { overviewWindow } from "@paycore/db/repositories/console-overview.repository";
import { type NeedsAttentionItem, needsAttention } from "../../../needs-attention";
import type { SignedInContext } from "../../trpc";

export const OVERVIEW_DAYS = 14;
export const PENDING_ATTENTION_MS = 5 * 60_000;

export interface AttentionView {
  requiresReview: number;
  stalePending: number;
  escalatedAttempts: number;
  deadLetters: number;
}

export interface OverviewView {
  attention: AttentionView;
  /** One card per needs-attention source (server/needs-attention.ts), each linking to its list. */
  needsAttention: NeedsAttentionItem[];
  /** "YYYY-MM-DD", oldest first. */
  days: string[];
  /** Live mode only, and only payments that captured money: test payments and bare authorizations are not volume. */
  volume: {
    /** Live payments created each day that captured money. */
    count: number[];
    /** Per currency: what those payments captured, in minor units as digits (may exceed 2^63). */
    amountByCurrency: Record<string, string[]>;
  };
  approvalRate: Array<number | null>;
  /** Per currency: refunded over captured amount. */
  refundRateByCurrency: Record<string, Array<number | null>>;
  /** Per PSP: succeeded over settled attempts. */
  pspSuccessByPsp: Record<string, Array<number | null>>;
}

const dayKey = (date: Date) => date.toISOString().slice(0, 10);

function series<T>(days: string[], fill: T): T[] {
  return days.map(() => fill);
}

export async function overviewHandler({ ctx }: { ctx: SignedInContext }): Promise<OverviewView> {
  const { overview } = ctx.services;
  const now = ctx.services.now();
  const window = overviewWindow(now, OVERVIEW_DAYS);
  const [attention, attentionItems, volume, approval, refunds, psp] = await Promise.all([
    overview.attention(now, PENDING_ATTENTION_MS),
    needsAttention(ctx.services, now),
    overview.dailyVolume(window),
    overview.dailyApproval(window),
    overview.dailyRefunds(window),
    overview.dailyPspSuccess(window),
  ]);
  const days = Array.from({ length: OVERVIEW_DAYS }, (_, index) =>
    dayKey(new Date(window.from.getTime() + index * 86_400_000)),
  );
  const indexOf = new Map(days.map((day, index) => [day, index]));

  const count = series(days, 0);
  const amounts: Record<string, bigint[]> = {};
  for (const row of volume) {
    const index = indexOf.get(dayKey(row.day));
    if (index === undefined) continue;
    count[index] = (count[index] ?? 0) + row.count;
    const perDay = amounts[row.currency] ?? series(days, 0n);
    perDay[index] = (perDay[index] ?? 0n) + row.amountMinor;
    amounts[row.currency] = perDay;
  }

  const approvalRate = series<number | null>(days, null);
  for (const row of approval) {
    const index = indexOf.get(dayKey(row.day));
    if (index !== undefined && row.decided > 0) approvalRate[index] = row.approved / row.decided;
  }

  const refundRateByCurrency: Record<string, Array<number | null>> = {};
  for (const row of refunds) {
    const index = indexOf.get(dayKey(row.day));
    if (index === undefined || row.capturedMinor === 0n) continue;
    const perDay = refundRateByCurrency[row.currency] ?? series<number | null>(days, null);
    // Basis points in bigint first: exact for any amount, then a fraction.
    perDay[index] = Number((row.refundedMinor * 10_000n) / row.capturedMinor) / 10_000;
    refundRateByCurrency[row.currency] = perDay;
  }

  const pspSuccessByPsp: Record<string, Array<number | null>> = {};
  for (const row of psp) {
    const index = indexOf.get(dayKey(row.day));
    if (index === undefined || row.settled === 0) continue;
    const perDay = pspSuccessByPsp[row.pspName] ?? series<number | null>(days, null);
    perDay[index] = row.succeeded / row.settled;
    pspSuccessByPsp[row.pspName] = perDay;
  }

  return {
    attention,
    needsAttention: attentionItems,
    days,
    volume: {
      count,
      amountByCurrency: Object.fromEntries(
        Object.entries(amounts).map(([currency, values]) => [currency, values.map(String)]),
      ),
    },
    approvalRate,
    refundRateByCurrency,
    pspSuccessByPsp,
  };
}
