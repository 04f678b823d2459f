// The outgoing side of the bank for bank-transfer payments: returns of incoming transfers (an overpayment's excess,
// a credit after expiry). POST <bank>/v1/returns with the return's id as the Idempotency-Key, so asking again
// after a timeout never sends the money twice. The bank knows the payer's account from the original transfer:
// we never hold it.
import type { BankReturnOutcome, BankReturnPort } from "@paycore/core/bank-transfers/bank-transfer-commands";

export function bankReturnsClient(options: { baseUrl: string; timeoutMs: number }): BankReturnPort {
  const base = options.baseUrl.replace(/\/$/, "");
  return {
    async returnTransfer(request): Promise<BankReturnOutcome> {
      let response: Response;
      try {
        response = await fetch(`${base}/v1/returns`, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": request.idempotencyKey },
          body: JSON.stringify({
            transferId: request.transferId,
            amount: request.amountMinor.toString(),
            currency: request.currency,
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        return {
          outcome: "unavailable",
          message: error instanceof Error ? error.message : "bank unreachable",
        };
      }
      const body = (await response.json().catch(() => null)) as { id?: unknown; error?: unknown } | null;
      if (response.ok && typeof body?.id === "string") return { outcome: "accepted", bankReference: body.id };
      if (
        response.status >= 400 &&
        response.status < 500 &&
        response.status !== 409 &&
        response.status !== 429
      ) {
        return {
          outcome: "refused",
          reason: `bank refused the return (${response.status}): ${String(body?.error ?? "")}`.slice(0, 300),
        };
      }
      return { outcome: "unavailable", message: `bank answered ${response.status}` };
    },
  };
}
