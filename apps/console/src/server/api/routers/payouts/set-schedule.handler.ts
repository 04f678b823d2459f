// An operator sets (or replaces) a merchant's automatic payouts in one currency, through the core's
// PayoutCommands.setSchedule, which writes the schedule and the operator's audit row in one transaction.
import type { MerchantId } from "@paycore/core/ids/ids";
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { SetScheduleInput } from "./set-schedule.schema";

export async function setScheduleHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetScheduleInput;
}): Promise<{ nextRunAt: string | null }> {
  const merchant = await ctx.services.app.services.merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const operator = operatorActor(ctx);
  const schedule = await ctx.services.app.services.payouts.setSchedule(
    {
      merchantId: merchant.id as MerchantId,
      mode: input.mode,
      name: `operator:${operator.name}`,
      source: "OPERATOR",
    },
    {
      currency: input.currency.toUpperCase(),
      interval: input.interval,
      weeklyAnchor: input.interval === "WEEKLY" ? input.weeklyAnchor : null,
      monthlyAnchor: input.interval === "MONTHLY" ? input.monthlyAnchor : null,
      delayDays: input.delayDays,
      minimum: input.minimumMinor,
    },
    operator,
  );
  return { nextRunAt: schedule.nextRunAt?.toISOString() ?? null };
}
