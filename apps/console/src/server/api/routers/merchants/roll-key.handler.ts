// Rolls a key: a new one of the same kind and mode and the old one revoked, in one transaction with its audit row.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type ApiKeyView, apiKeyView, type NewKeyView } from "./merchant-view";
import type { RollKeyInput } from "./roll-key.schema";

export async function rollKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RollKeyInput;
}): Promise<{ revoked: ApiKeyView; created: NewKeyView }> {
  const rolled = await ctx.services.app.services.merchantCommands.rollKey(
    operatorActor(ctx),
    input.merchantId,
    input.keyId,
  );
  if (!rolled) {
    throw new TRPCError({ code: "NOT_FOUND", message: "No active key with this id for this merchant." });
  }
  return {
    revoked: apiKeyView(rolled.revoked),
    created: { ...apiKeyView(rolled.created), key: rolled.created.key },
  };
}
