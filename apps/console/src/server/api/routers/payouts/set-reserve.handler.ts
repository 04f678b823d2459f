// An admin sets a merchant's reserve in one currency (rolling rate and days, fixed amount) through the core's
// PayoutCommands.setReserve: the policy, the entry that moves the fixed reserve by its change, and the operator's
// audit row are one transaction. Admin only: it moves the merchant's money between available and reserved. A
// fixed reserve above RESERVE_APPROVAL_ABOVE becomes a four-eyes request a second admin approves in the workbench.
import type { MerchantId } from "@paycore/core/ids/ids";
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { SetReserveInput } from "./set-reserve.schema";

export async function setReserveHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetReserveInput;
}): Promise<{ currency: string; approvalRequestId: string | null }> {
  const merchant = await ctx.services.app.services.merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const policy = await ctx.services.app.services.payouts.setReserve(
    operatorActor(ctx),
    merchant.id as MerchantId,
    input.mode,
    {
      currency: input.currency.toUpperCase(),
      rollingBps: input.rollingBps,
      rollingDays: input.rollingDays,
      fixed: input.fixedMinor,
      reason: input.reason ?? null,
    },
  );
  return { currency: policy.currency, approvalRequestId: policy.approvalRequestId };
}
