// Replaces a merchant's allowed origins (the browser origins its publishable keys may be used from and that may
// frame the hosted card fields) through the core's command; its audit row keeps both lists.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { UpdateAllowedOriginsInput } from "./update-allowed-origins.schema";

export async function updateAllowedOriginsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: UpdateAllowedOriginsInput;
}): Promise<{ allowedOrigins: string[] }> {
  const updated = await ctx.services.app.services.merchantCommands.updateSettings(
    operatorActor(ctx),
    input.merchantId,
    { allowedOrigins: input.origins },
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return { allowedOrigins: updated.accessPolicy.allowedOrigins };
}
