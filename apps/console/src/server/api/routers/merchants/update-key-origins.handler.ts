// Replaces a publishable key's hosted card-field origins (the pages that may frame its card fields and receive
// their payment method) through the core's command; its audit row keeps both lists.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import { type ApiKeyView, apiKeyView } from "./merchant-view";
import type { UpdateKeyOriginsInput } from "./update-key-origins.schema";

export async function updateKeyOriginsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: UpdateKeyOriginsInput;
}): Promise<ApiKeyView> {
  const updated = await ctx.services.app.services.merchantCommands.updateKeyOrigins(
    operatorActor(ctx),
    input.merchantId,
    input.keyId,
    input.origins,
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No active key with this id." });
  return apiKeyView(updated);
}
