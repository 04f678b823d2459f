// Creates a merchant with its fee and risk settings and no keys yet (an admin adds them one by one).
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import type { CreateMerchantInput } from "./create.schema";
import { type MerchantView, merchantView, settingsAudit } from "./merchant-view";

export async function createMerchantHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateMerchantInput;
}): Promise<MerchantView> {
  const { merchants } = ctx.services.app.services;
  const created = await merchants.createWithKeys({
    name: input.name,
    modes: [],
    feeRateBps: input.feeRateBps,
    feeFixedMinor: BigInt(input.feeFixedMinor),
    riskReviewThreshold: input.riskReviewThreshold,
    riskDeclineThreshold: input.riskDeclineThreshold,
  });
  const merchant = await merchants.findById(created.id);
  if (!merchant) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "The merchant vanished." });
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "merchant.create",
    targetType: "merchant",
    targetId: merchant.id,
    after: settingsAudit(merchant),
  });
  return merchantView(merchant);
}
