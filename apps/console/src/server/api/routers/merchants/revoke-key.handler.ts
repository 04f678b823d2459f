// Revokes one key: it stops authenticating at once.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type ApiKeyView, apiKeyView } from "./merchant-view";
import type { RevokeKeyInput } from "./revoke-key.schema";

export async function revokeKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RevokeKeyInput;
}): Promise<ApiKeyView> {
  const revoked = await ctx.services.app.services.merchantCommands.revokeKey(
    operatorActor(ctx),
    input.merchantId,
    input.keyId,
  );
  if (!revoked) {
    throw new TRPCError({ code: "NOT_FOUND", message: "No active key with this id for this merchant." });
  }
  return apiKeyView(revoked);
}
