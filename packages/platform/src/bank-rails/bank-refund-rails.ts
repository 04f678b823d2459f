// The bank as bank-transfer refunds use it (issue 18): the returns API (POST <bank>/v1/returns, back along the
// credit transfer that paid) and, when the bank's payouts are configured, its credit transfers to an account the
// refund names (POST <bank>/v1/payouts, the refund id as the Idempotency-Key). Both the same HTTP clients payouts
// and bank-transfer returns use.
import type { BankRefundRails } from "@paycore/core/bank-transfers/bank-refunds";
import { BankRailsClient, type BankRailsClientOptions } from "./bank-rails-client";
import { bankReturnsClient } from "./bank-returns-client";

export function bankRefundRails(
  bankUrl: string,
  payouts: BankRailsClientOptions | null,
  timeoutMs: number,
): BankRefundRails {
  const returns = bankReturnsClient({ baseUrl: bankUrl, timeoutMs });
  const client = payouts ? new BankRailsClient(payouts) : null;
  return {
    returnTransfer: (request) => returns.returnTransfer(request),
    async sendPayout(request) {
      // Without the bank's payouts (no notification secret configured), a transfer to an account cannot be tracked.
      if (client === null)
        return { status: "rejected", code: "rejected", message: "the bank's payouts are not configured" };
      return client.sendPayout(request);
    },
  };
}
