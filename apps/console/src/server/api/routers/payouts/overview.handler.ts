// A merchant's balance per currency (available, pending, reserved), its latest balance transactions and payouts,
// its payout schedules and reserves, and whether its payouts are paused: the read repository only.
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { PayoutsOverviewInput } from "./overview.schema";

export const OVERVIEW_ROWS = 50;

export interface PayoutsOverview {
  merchant: { id: string; name: string };
  mode: "TEST" | "LIVE";
  paused: boolean;
  balances: Array<{ currency: string; availableMinor: string; pendingMinor: string; reservedMinor: string }>;
  transactions: Array<{
    id: string;
    type: string;
    amountMinor: string;
    feeMinor: string;
    netMinor: string;
    currency: string;
    sourceId: string | null;
    availableOn: string;
    createdAt: string;
  }>;
  schedules: Array<{
    currency: string;
    interval: string;
    weeklyAnchor: number;
    monthlyAnchor: number;
    delayDays: number;
    minimumMinor: string;
    /** Null: the schedule is off (MANUAL). */
    nextRunAt: string | null;
  }>;
  reserves: Array<{ currency: string; rollingBps: number; rollingDays: number; fixedMinor: string }>;
  payouts: Array<{
    id: string;
    status: string;
    method: string;
    amountMinor: string;
    currency: string;
    failureCode: string | null;
    retryOf: string | null;
    createdAt: string;
  }>;
}

export async function payoutsOverviewHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: PayoutsOverviewInput;
}): Promise<PayoutsOverview> {
  const { merchants, payoutReads } = ctx.services.app.services;
  const merchant = await merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const actor = { merchantId: merchant.id, mode: input.mode };
  const [balances, transactions, payouts, paused, schedules, reserves] = await Promise.all([
    payoutReads.balances(actor),
    payoutReads.balanceTransactions(
      actor,
      { type: null, payoutId: null, createdAfter: null, createdBefore: null },
      { direction: "forward", size: OVERVIEW_ROWS, cursor: null },
    ),
    payoutReads.payouts(actor, { first: OVERVIEW_ROWS, before: null, status: null }),
    payoutReads.payoutsPaused(actor),
    payoutReads.schedules(actor),
    payoutReads.reservePolicies(actor),
  ]);
  return {
    merchant: { id: merchant.id, name: merchant.name },
    mode: input.mode,
    paused,
    balances: balances.map((b) => ({
      currency: b.currency,
      availableMinor: b.availableMinor.toString(),
      pendingMinor: b.pendingMinor.toString(),
      reservedMinor: b.reservedMinor.toString(),
    })),
    transactions: transactions.rows.map((row) => ({
      id: row.id,
      type: row.type,
      amountMinor: row.amountMinor.toString(),
      feeMinor: row.feeMinor.toString(),
      netMinor: row.netMinor.toString(),
      currency: row.currency,
      sourceId: row.sourceId,
      availableOn: row.availableOn.toISOString(),
      createdAt: row.createdAt.toISOString(),
    })),
    schedules: schedules.map((s) => ({
      currency: s.currency,
      interval: s.interval,
      weeklyAnchor: s.weeklyAnchor,
      monthlyAnchor: s.monthlyAnchor,
      delayDays: s.delayDays,
      minimumMinor: s.minimumMinor.toString(),
      nextRunAt: s.nextRunAt?.toISOString() ?? null,
    })),
    reserves: reserves.map((r) => ({
      currency: r.currency,
      rollingBps: r.rollingBps,
      rollingDays: r.rollingDays,
      fixedMinor: r.fixedMinor.toString(),
    })),
    payouts: payouts.map((p) => ({
      id: p.id,
      status: p.status,
      method: p.method,
      amountMinor: p.amountMinor.toString(),
      currency: p.currency,
      failureCode: p.failureCode,
      retryOf: p.retryOf,
      createdAt: p.createdAt.toISOString(),
    })),
  };
}
