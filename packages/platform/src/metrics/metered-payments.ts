// Counts payments as they are created (replays are not new payments): by the
// status the request left them in, the PSP that answered ("none" when none was
// reached: blocked by risk, no PSP for the currency) and the mode.
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PlatformMetrics } from "./metrics";

export function meterPaymentCreation(commands: PaymentCommands, metrics: PlatformMetrics): PaymentCommands {
  const create = commands.createPayment.bind(commands);
  commands.createPayment = async (...args) => {
    const outcome = await create(...args);
    if (!outcome.replayed) {
      const { payment } = outcome.value;
      metrics.payments.inc({
        outcome: payment.status.toLowerCase(),
        psp: payment.pspName ?? "none",
        mode: payment.mode.toLowerCase(),
      });
    }
    return outcome;
  };
  return commands;
}
