// One sanctions hit with the screening that opened it (the list versions it used) and the merchant's state.
import { DomainError } from "@paycore/core/errors/domain-error";
import type { SignedInContext } from "../../trpc";
import type { SanctionsHitInput } from "./hit.schema";

export async function sanctionsHitHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SanctionsHitInput;
}) {
  const hit = await ctx.services.app.services.sanctionsReads.hit(input.hitId);
  if (hit === null)
    throw new DomainError("SANCTIONS_HIT_NOT_FOUND", "No such sanctions hit.", { field: ["hitId"] });
  return { ...hit, decidedAt: hit.decidedAt?.toISOString() ?? null, createdAt: hit.createdAt.toISOString() };
}
