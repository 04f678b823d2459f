// Operator actions on payouts, each through the core's PayoutCommands, which writes the change and its operator
// audit row in one transaction: pausing or resuming a merchant's payouts, and retrying a failed payout.
import type { MerchantId } from "@paycore/core/ids/ids";
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { RetryPayoutInput, SetPausedInput } from "./actions.schema";

async function requireMerchant(ctx: SignedInContext, merchantId: string): Promise<MerchantId> {
  const merchant = await ctx.services.app.services.merchants.findById(merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return merchant.id as MerchantId;
}

export async function setPausedHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetPausedInput;
}): Promise<{ paused: boolean }> {
  const merchantId = await requireMerchant(ctx, input.merchantId);
  await ctx.services.app.services.payouts.setPaused(
    operatorActor(ctx),
    merchantId,
    input.mode,
    input.paused,
    input.reason ?? null,
  );
  return { paused: input.paused };
}

export async function retryPayoutHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RetryPayoutInput;
}): Promise<{ payoutId: string }> {
  const merchantId = await requireMerchant(ctx, input.merchantId);
  const payout = await ctx.services.app.services.payouts.retryFailedPayout(
    operatorActor(ctx),
    merchantId,
    input.mode,
    input.payoutId,
  );
  return { payoutId: payout.id };
}
