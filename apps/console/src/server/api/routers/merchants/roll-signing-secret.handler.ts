// Makes or rolls the signing secret of a secret key through the core's command (audited with its hint only). The
// secret is in this answer only.
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { RollSigningSecretInput } from "./roll-signing-secret.schema";

export async function rollSigningSecretHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: RollSigningSecretInput;
}): Promise<{ apiKeyId: string; secret: string; hint: string }> {
  const rolled = await ctx.services.app.services.requestSigning.rollSigningSecret(
    operatorActor(ctx),
    input.merchantId,
    input.keyId,
  );
  if (!rolled) throw new TRPCError({ code: "NOT_FOUND", message: "No key with this id for this merchant." });
  return rolled;
}
