// Adds one API key. The whole key is in this answer only: stored as its hash, never logged or audited.
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import type { CreateKeyInput } from "./create-key.schema";
import { apiKeyView, keyAudit, type NewKeyView } from "./merchant-view";

export async function createKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateKeyInput;
}): Promise<NewKeyView> {
  const { merchants } = ctx.services.app.services;
  const merchant = await merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const created = await merchants.addKey(merchant.id, input.kind, input.mode, ctx.services.now());
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "api_key.create",
    targetType: "merchant",
    targetId: merchant.id,
    after: keyAudit(created),
  });
  return { ...apiKeyView(created), key: created.key };
}
