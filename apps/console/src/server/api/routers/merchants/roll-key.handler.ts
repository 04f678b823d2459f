// Rolls a key: a new one of the same kind and mode and the old one revoked, in one transaction.
import { parseId } from "@paycore/core/ids/ids";
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import { type ApiKeyView, apiKeyView, keyAudit, type NewKeyView } from "./merchant-view";
import type { RollKeyInput } from "./roll-key.schema";

export async function rollKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RollKeyInput;
}): Promise<{ revoked: ApiKeyView; created: NewKeyView }> {
  const merchantId = parseId("merchant", input.merchantId);
  const rolled = merchantId
    ? await ctx.services.app.services.merchants.rollKey(merchantId, input.keyId, ctx.services.now())
    : null;
  if (!merchantId || !rolled) {
    throw new TRPCError({ code: "NOT_FOUND", message: "No active key with this id for this merchant." });
  }
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "api_key.roll",
    targetType: "merchant",
    targetId: merchantId,
    before: keyAudit({ ...rolled.revoked, revokedAt: null }),
    after: {
      ...keyAudit(rolled.created),
      revokedKeyId: rolled.revoked.id,
      revokedKeyRevokedAt: rolled.revoked.revokedAt,
    },
  });
  return {
    revoked: apiKeyView(rolled.revoked),
    created: { ...apiKeyView(rolled.created), key: rolled.created.key },
  };
}
