// The merchant's onboarding over the API (issue 22): `onboarding` reads its status and the business details it
// submitted; `submitOnboardingDetails` submits (or, until verified, replaces) them through the core's
// OnboardingCommands, which validates them and writes the change with its onboarding event and audit row (actor
// "key:<api key id>") in one transaction. Naturally idempotent: the same details twice are the same state.
// Operators decide in the console; the API never changes the status.

import { isDomainError } from "@paycore/core/errors/domain-error";
import type { OnboardingRecord } from "@paycore/core/onboarding/onboarding";
import { ONBOARDING_STATUSES } from "@paycore/core/onboarding/onboarding-state-machine";
import { requireSecretKey } from "../context";
import { builder } from "./builder";
import { UserError, type UserErrorShape } from "./user-error";

const OnboardingStatusEnum = builder.enumType("OnboardingStatus", {
  description:
    "PENDING_VERIFICATION: test payments, live payments up to a limit, live payouts held. VERIFIED: no limits. RESTRICTED or REJECTED: no live payments or payouts.",
  values: ONBOARDING_STATUSES,
});

const BusinessDetailsRef = builder
  .objectRef<NonNullable<OnboardingRecord["details"]>>("BusinessDetails")
  .implement({
    fields: (t) => ({
      legalName: t.exposeString("legalName"),
      country: t.exposeString("country", { description: "ISO 3166-1 alpha-2." }),
      // "registrationId" on the wire: the schema keeps `number` for card and account data (schema.test.ts).
      registrationId: t.exposeString("registrationNumber", {
        description: "The company's registration in its country's register.",
      }),
      representativeName: t.exposeString("representativeName"),
      representativeBirthDate: t.exposeString("representativeBirthDate", { description: "YYYY-MM-DD." }),
      website: t.exposeString("website"),
      expectedMonthlyVolume: t.string({
        description: "Minor units, as a digit string.",
        resolve: (d) => d.expectedMonthlyVolume.amountMinor.toString(),
      }),
      expectedVolumeCurrency: t.string({ resolve: (d) => d.expectedMonthlyVolume.currency }),
    }),
  });

const Onboarding = builder.objectRef<OnboardingRecord>("Onboarding").implement({
  description: "The merchant's onboarding: its status and the business details it submitted.",
  fields: (t) => ({
    status: t.field({ type: OnboardingStatusEnum, resolve: (o) => o.status }),
    details: t.field({ type: BusinessDetailsRef, nullable: true, resolve: (o) => o.details }),
    detailsSubmittedAt: t.field({ type: "DateTime", nullable: true, resolve: (o) => o.detailsSubmittedAt }),
    decidedAt: t.field({ type: "DateTime", nullable: true, resolve: (o) => o.decidedAt }),
  }),
});

builder.queryField("onboarding", (t) =>
  t.field({
    type: Onboarding,
    description: "The merchant's onboarding status and business details.",
    resolve: async (_root, _args, context) => {
      const key = requireSecretKey(context);
      const found = await context.services.onboarding.find(key.merchantId);
      if (found === null) throw new Error("the key's merchant is gone");
      return found;
    },
  }),
);

const SubmitOnboardingDetailsInput = builder.inputType("SubmitOnboardingDetailsInput", {
  fields: (t) => ({
    legalName: t.string({ required: true, description: "1 to 200 characters." }),
    country: t.string({ required: true, description: "ISO 3166-1 alpha-2, e.g. DE." }),
    registrationId: t.string({
      required: true,
      description: "The company's registration in its country's register, 1 to 64 characters.",
    }),
    representativeName: t.string({ required: true, description: "1 to 200 characters." }),
    representativeBirthDate: t.string({ required: true, description: "YYYY-MM-DD; 18 to 120 years ago." }),
    website: t.string({ required: true, description: "An http(s) address." }),
    expectedMonthlyVolume: t.string({ required: true, description: "Minor units, as a digit string." }),
    expectedVolumeCurrency: t.string({ required: true, description: "ISO 4217." }),
  }),
});

const SubmitOnboardingDetailsPayload = builder
  .objectRef<{ onboarding: OnboardingRecord | null; errors: UserErrorShape[] }>(
    "SubmitOnboardingDetailsPayload",
  )
  .implement({
    fields: (t) => ({
      onboarding: t.field({ type: Onboarding, nullable: true, resolve: (p) => p.onboarding }),
      errors: t.field({ type: [UserError], resolve: (p) => p.errors }),
    }),
  });

builder.mutationField("submitOnboardingDetails", (t) =>
  t.field({
    type: SubmitOnboardingDetailsPayload,
    description:
      "Submits the business details an operator reviews before verifying the merchant (audited). Refused once verified.",
    args: { input: t.arg({ type: SubmitOnboardingDetailsInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const key = requireSecretKey(context);
      try {
        const onboarding = await context.services.onboarding.submitDetails(
          { operatorId: null, name: `key:${key.apiKeyId ?? "unknown"}`, source: "API" },
          key.merchantId,
          {
            legalName: input.legalName,
            country: input.country,
            registrationNumber: input.registrationId,
            representativeName: input.representativeName,
            representativeBirthDate: input.representativeBirthDate,
            website: input.website,
            expectedMonthlyVolume: {
              amount: input.expectedMonthlyVolume,
              currency: input.expectedVolumeCurrency,
            },
          },
        );
        return { onboarding, errors: [] };
      } catch (error) {
        if (!isDomainError(error)) throw error;
        return {
          onboarding: null,
          errors: [
            {
              code: error.code,
              message: error.message,
              field: apiField(error.field),
              retryable: error.retryable,
            },
          ],
        };
      }
    },
  }),
);

/** The core's field path in the input's own (flat) names. */
function apiField(field: string[] | null): string[] | null {
  if (field === null) return null;
  const path = field.join(".");
  if (path === "registrationNumber") return ["registrationId"];
  if (path === "expectedMonthlyVolume.amount") return ["expectedMonthlyVolume"];
  if (path === "expectedMonthlyVolume.currency") return ["expectedVolumeCurrency"];
  return field;
}
