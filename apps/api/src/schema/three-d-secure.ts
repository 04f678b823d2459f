// 3-D Secure (issue 20): a payment's authentication (ThreeDSecure) and, while it REQUIRES_ACTION, what the
// customer must do next (NextAction: visit the PSP's challenge page). See docs/api.md, "3-D Secure".
import type { PaymentRecord } from "@paycore/core/payments/payment-record";
import { THREE_D_SECURE_STATUSES, type ThreeDSecureRecord } from "@paycore/core/payments/three-d-secure";
import { builder } from "./builder";
import { Payment } from "./payment";

const ThreeDSecureStatus = builder.enumType("ThreeDSecureStatus", {
  values: THREE_D_SECURE_STATUSES,
  description:
    "AUTHENTICATED (frictionless or after a challenge), CHALLENGE_REQUIRED (the customer has not completed it yet), FAILED, ABANDONED (not completed in time).",
});
const ThreeDSecureFlow = builder.enumType("ThreeDSecureFlow", {
  values: ["FRICTIONLESS", "CHALLENGE"] as const,
});
const NextActionType = builder.enumType("NextActionType", {
  values: {
    REDIRECT_TO_URL: {
      description: "Send the customer's browser to redirectUrl (the PSP's challenge page).",
    },
  },
});

const ThreeDSecure = builder.objectRef<ThreeDSecureRecord>("ThreeDSecure").implement({
  description: "The payment's 3-D Secure authentication, as its PSP reported it.",
  fields: (t) => ({
    status: t.field({ type: ThreeDSecureStatus, resolve: (r) => r.status }),
    flow: t.field({ type: ThreeDSecureFlow, resolve: (r) => r.flow }),
    version: t.exposeString("version", { description: "The protocol version, e.g. 2.2.0." }),
    eci: t.exposeString("eci", {
      nullable: true,
      description: "Electronic Commerce Indicator (05/02 fully authenticated for Visa/Mastercard).",
    }),
    liabilityShift: t.exposeBoolean("liabilityShift", {
      description:
        "Whether fraud chargeback liability moved to the card issuer (a successful authentication).",
    }),
  }),
});

interface NextActionShape {
  redirectUrl: string;
  expiresAt: Date | null;
}

const NextAction = builder.objectRef<NextActionShape>("NextAction").implement({
  description: "What the customer must do before the payment can go on.",
  fields: (t) => ({
    type: t.field({ type: NextActionType, resolve: () => "REDIRECT_TO_URL" as const }),
    redirectUrl: t.exposeString("redirectUrl"),
    expiresAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "Past this the payment is cancelled (THREE_D_SECURE_ACTION_TTL_MINUTES).",
      resolve: (a) => a.expiresAt,
    }),
  }),
});

builder.objectFields(Payment, (t) => ({
  threeDSecure: t.field({
    type: ThreeDSecure,
    nullable: true,
    description: "3-D Secure: the authentication; null for a payment that was never authenticated.",
    resolve: (p: PaymentRecord) => p.threeDSecure,
  }),
  nextAction: t.field({
    type: NextAction,
    nullable: true,
    description: "Set only while the payment REQUIRES_ACTION: where to send the customer.",
    resolve: (p: PaymentRecord) =>
      p.status === "REQUIRES_ACTION" && p.nextActionUrl !== null
        ? { redirectUrl: p.nextActionUrl, expiresAt: p.actionExpiresAt }
        : null,
  }),
}));
