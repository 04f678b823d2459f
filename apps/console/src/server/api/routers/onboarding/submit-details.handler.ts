// Business details entered by an operator for the merchant, through the same core command as the API's
// submitOnboardingDetails; audited with the operator as the actor.
import { DomainError } from "@paycore/core/errors/domain-error";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { SubmitDetailsInput } from "./submit-details.schema";

export async function submitDetailsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: SubmitDetailsInput;
}) {
  const saved = await ctx.services.app.services.onboarding.submitDetails(
    { ...operatorActor(ctx), source: "OPERATOR" },
    input.merchantId,
    {
      legalName: input.legalName,
      country: input.country,
      registrationNumber: input.registrationNumber,
      representativeName: input.representativeName,
      representativeBirthDate: input.representativeBirthDate,
      website: input.website,
      expectedMonthlyVolume: {
        amount: input.expectedMonthlyVolumeMinor,
        currency: input.expectedVolumeCurrency,
      },
    },
  );
  if (saved === null)
    throw new DomainError("INVALID_INPUT", "No merchant with this id.", { field: ["merchantId"] });
  return { status: saved.status };
}
