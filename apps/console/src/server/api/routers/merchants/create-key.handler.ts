// Adds one API key. The whole key is in this answer only: stored as its hash, never logged or audited.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { CreateKeyInput } from "./create-key.schema";
import { apiKeyView, type NewKeyView } from "./merchant-view";

export async function createKeyHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: CreateKeyInput;
}): Promise<NewKeyView> {
  const created = await ctx.services.app.services.merchantCommands.createKey(
    operatorActor(ctx),
    input.merchantId,
    input.kind,
    input.mode,
  );
  if (!created) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  return { ...apiKeyView(created), key: created.key };
}
