// How the payment commands reach PSPs: routing for new authorizations, and the
// PSP that holds a payment for everything after (capture, void, refund).
import type { Mode } from "../payments/payment-record";
import type { PaymentServiceProvider } from "../psp/psp-port";
import type { RoutingDecision, RoutingInput } from "../psp/routing";

export interface PspRouter {
  /** PSPs to try for an authorization, best first, with the decision each attempt records. Empty: none for the mode. */
  routeAuthorization(
    mode: Mode,
    input: RoutingInput,
  ): Promise<{ candidates: PaymentServiceProvider[]; decision: RoutingDecision }>;
  /** The PSP that authorized a payment; captures, voids and refunds must go to it. */
  byName(mode: Mode, name: string): PaymentServiceProvider | null;
  /** Feeds the sliding authorization-rate window routing may prefer. */
  recordAuthorization(pspName: string, approved: boolean): void;
}
