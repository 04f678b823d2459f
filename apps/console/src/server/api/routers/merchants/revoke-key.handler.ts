// Revokes one key: it stops authenticating at once.
import { TRPCError } from "@trpc/server";
import { writeAudit } from "../../../audit";
import type { SignedInContext } from "../../trpc";
import { type ApiKeyView, apiKeyView, keyAudit } from "./merchant-view";
import type { RevokeKeyInput } from "./revoke-key.schema";

export async function revokeKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RevokeKeyInput;
}): Promise<ApiKeyView> {
  const { merchants } = ctx.services.app.services;
  const before = await merchants.findKey(input.merchantId, input.keyId);
  const after =
    before?.revokedAt === null
      ? await merchants.revokeKey(input.merchantId, input.keyId, ctx.services.now())
      : null;
  if (!before || !after) {
    throw new TRPCError({ code: "NOT_FOUND", message: "No active key with this id for this merchant." });
  }
  await writeAudit(ctx.services, {
    operatorId: ctx.session.operator.id,
    action: "api_key.revoke",
    targetType: "merchant",
    targetId: input.merchantId,
    before: keyAudit(before),
    after: keyAudit(after),
  });
  return apiKeyView(after);
}
