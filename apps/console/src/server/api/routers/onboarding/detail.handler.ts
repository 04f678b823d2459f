// One merchant's onboarding: status, business details, documents (name, type, size, SHA-256) and its events.
import { DomainError } from "@paycore/core/errors/domain-error";
import type { SignedInContext } from "../../trpc";
import type { OnboardingDetailInput } from "./detail.schema";

export async function onboardingDetailHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: OnboardingDetailInput;
}) {
  const services = ctx.services.app.services;
  const record = await services.onboarding.find(input.merchantId);
  if (record === null)
    throw new DomainError("INVALID_INPUT", "No merchant with this id.", { field: ["merchantId"] });
  const [events, documents, merchant] = await Promise.all([
    services.onboardingReads.events(record.merchantId, 100),
    services.onboardingReads.documents(record.merchantId),
    services.merchants.findById(record.merchantId),
  ]);
  const details = record.details;
  return {
    merchantId: record.merchantId,
    name: merchant?.name ?? record.merchantId,
    status: record.status,
    details: details && {
      ...details,
      expectedMonthlyVolume: {
        amountMinor: details.expectedMonthlyVolume.amountMinor.toString(),
        currency: details.expectedMonthlyVolume.currency as string,
      },
    },
    detailsSubmittedAt: record.detailsSubmittedAt?.toISOString() ?? null,
    decidedAt: record.decidedAt?.toISOString() ?? null,
    documents: documents.map((document) => ({ ...document, createdAt: document.createdAt.toISOString() })),
    events: events.map((event) => ({
      ...event,
      id: event.id.toString(),
      createdAt: event.createdAt.toISOString(),
    })),
  };
}
