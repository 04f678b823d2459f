// Changes a merchant's fee and risk settings; the audit row keeps both versions.
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import { type MerchantView, merchantView, settingsAudit } from "./merchant-view";
import type { UpdateSettingsInput } from "./update-settings.schema";

export async function updateSettingsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: UpdateSettingsInput;
}): Promise<MerchantView> {
  const { merchants } = ctx.services.app.services;
  const before = await merchants.findById(input.merchantId);
  const after = before
    ? await merchants.updateSettings(before.id, {
        feeRateBps: input.feeRateBps,
        feeFixedMinor: BigInt(input.feeFixedMinor),
        riskReviewThreshold: input.riskReviewThreshold,
        riskDeclineThreshold: input.riskDeclineThreshold,
      })
    : null;
  if (!before || !after) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "merchant.update_settings",
    targetType: "merchant",
    targetId: after.id,
    before: settingsAudit(before),
    after: settingsAudit(after),
  });
  return merchantView(after);
}
