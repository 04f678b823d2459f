// A merchant's signed requests (issue 22): whether it requires them, and its active secret keys with the hint of
// each one's signing secret.
import {
  RequestSigningRepository,
  type RequestSigningView,
} from "@paycore/db/repositories/request-signing.repository";
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { MerchantDetailInput } from "./detail.schema";

export async function signedRequestsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: MerchantDetailInput;
}): Promise<RequestSigningView> {
  const view = await new RequestSigningRepository(ctx.services.app.db).viewOf(input.merchantId);
  if (!view) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return view;
}
