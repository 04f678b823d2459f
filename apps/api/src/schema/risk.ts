// Risk: the explainable fraud decision stored with every payment, and the
// customer context createPayment accepts for it.
import type { RiskAssessmentView } from "@paycore/db/repositories/payment-query.repository";
import { builder } from "./builder";

type RiskView = RiskAssessmentView;

const RiskDecision = builder.enumType("RiskDecision", {
  values: {
    APPROVE: { description: "Low risk: the payment went ahead." },
    REVIEW: { description: "Grey zone: authorized but held (REQUIRES_REVIEW) until an operator decides." },
    DECLINE: { description: "High risk: declined (failureCode fraud_suspected) before any PSP call." },
  },
});

const RiskSignal = builder.objectRef<RiskView["signals"][number]>("RiskSignal").implement({
  description: "One rule's finding: its score (0-100), how much it counts (weight 0-1) and why.",
  fields: (t) => ({
    name: t.exposeString("name"),
    score: t.exposeInt("score"),
    weight: t.exposeFloat("weight"),
    detail: t.exposeString("detail"),
  }),
});

export const Risk = builder.objectRef<RiskView>("Risk").implement({
  description: "Why the payment was approved, held or declined.",
  fields: (t) => ({
    score: t.exposeInt("score", {
      description: "0-100: 100 * (1 - Π(1 - weight * score / 100)) over the signals.",
    }),
    decision: t.field({ type: RiskDecision, resolve: (r) => r.decision }),
    degraded: t.exposeBoolean("degraded", {
      description: "Velocity data was unavailable; the decision was made without it (never an approval).",
    }),
    signals: t.field({ type: [RiskSignal], resolve: (r) => r.signals }),
  }),
});

const BillingAddressInput = builder.inputType("BillingAddressInput", {
  fields: (t) => ({
    line1: t.string({ required: false }),
    city: t.string({ required: false }),
    postalCode: t.string({ required: false }),
    country: t.string({ required: false, description: "ISO 3166-1 alpha-2, e.g. US." }),
    latitude: t.float({ required: false }),
    longitude: t.float({ required: false }),
  }),
});

export const CustomerInput = builder.inputType("CustomerInput", {
  description: "Optional context for the fraud rules. The more you send, the better the decision.",
  fields: (t) => ({
    email: t.string({ required: false }),
    ipAddress: t.string({ required: false, description: "The buyer's IP address (IPv4 or IPv6)." }),
    deviceId: t.string({ required: false, description: "A stable device identifier from your checkout." }),
    billingAddress: t.field({ type: BillingAddressInput, required: false }),
  }),
});
