// Requires (or stops requiring) signed requests for a merchant through the core's command (audited).
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { SetSignedRequestsInput } from "./set-signed-requests.schema";

export async function setSignedRequestsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SetSignedRequestsInput;
}): Promise<{ required: boolean }> {
  const updated = await ctx.services.app.services.requestSigning.setRequired(
    operatorActor(ctx),
    input.merchantId,
    input.required,
  );
  if (!updated) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return updated;
}
