// The bank that sends payouts, over HTTP (the bank rails sandbox in test mode: /bank/v1 on PSP_SANDBOX_URL). A
// payout call carries our payout id as its Idempotency-Key; a timeout, a connection dropped after sending, or an
// unreadable or 5xx answer is an unknown outcome (BankCallUnknown): the payout stays PENDING and is asked again
// with the same key. Account numbers go only into the request body, never into a log or error.
import {
  BankCallUnknown,
  type BankPayoutAnswer,
  type BankPayoutRequest,
  type BankRails,
  type BankVerification,
  type MicroDepositAnswer,
  type MicroDepositRequest,
} from "@paycore/core/payouts/bank-rails-port";

export interface BankRailsClientOptions {
  /** e.g. "http://127.0.0.1:4010/bank/v1". */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

const REJECTION_CODES = new Set(["account_invalid", "account_closed"]);

export class BankRailsClient implements BankRails {
  constructor(private readonly options: BankRailsClientOptions) {}

  private async call(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await fetch(`${this.options.baseUrl.replace(/\/$/, "")}${path}`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Bearer ${this.options.apiKey}`,
          ...headers,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      // Sent or not, we cannot tell: asked again later with the same key.
      throw new BankCallUnknown(`bank call ${path} got no answer: ${(error as Error).name}`);
    }
  }

  async sendPayout(request: BankPayoutRequest): Promise<BankPayoutAnswer> {
    const response = await this.call(
      "/payouts",
      {
        rail: request.rail,
        amount: request.amountMinor.toString(),
        currency: request.currency,
        holder_name: request.holderName,
        account_number: request.accountNumber,
        routing_number: request.routingNumber,
      },
      { "Idempotency-Key": request.payoutId },
    );
    let body: { id?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new BankCallUnknown(`bank answered ${response.status} with an unreadable body`);
    }
    if (response.status === 200 || response.status === 201) {
      if (typeof body.id !== "string") throw new BankCallUnknown("bank accepted without a reference");
      return { status: "accepted", bankReference: body.id.slice(0, 64) };
    }
    if (response.status === 422) {
      const code = String(body.error?.code ?? "");
      return {
        status: "rejected",
        code: REJECTION_CODES.has(code) ? (code as "account_invalid" | "account_closed") : "rejected",
        message: "the bank refused the payout",
      };
    }
    // 5xx, 429 and anything unexpected: nothing definite; ask again with the same key.
    throw new BankCallUnknown(`bank answered ${response.status}`);
  }

  async sendMicroDeposits(request: MicroDepositRequest): Promise<MicroDepositAnswer> {
    const response = await this.call(
      "/micro-deposits",
      {
        rail: request.rail,
        currency: request.currency,
        amounts: request.amountsMinor.map((amount) => amount.toString()),
        holder_name: request.holderName,
        account_number: request.accountNumber,
        routing_number: request.routingNumber,
      },
      { "Idempotency-Key": request.bankAccountId },
    );
    let body: { id?: unknown; error?: { code?: unknown } };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new BankCallUnknown(`bank answered ${response.status} with an unreadable body`);
    }
    if (response.status === 200 || response.status === 201) {
      if (typeof body.id !== "string") throw new BankCallUnknown("bank accepted without a reference");
      return { status: "accepted", bankReference: body.id.slice(0, 64) };
    }
    if (response.status === 422) {
      const code = String(body.error?.code ?? "");
      return {
        status: "rejected",
        code: REJECTION_CODES.has(code) ? (code as "account_invalid" | "account_closed") : "rejected",
      };
    }
    throw new BankCallUnknown(`bank answered ${response.status}`);
  }

  async verifyAccount(request: {
    rail: "SEPA" | "ACH";
    accountNumber: string;
    routingNumber: string | null;
    holderName: string;
  }): Promise<BankVerification> {
    let response: Response;
    try {
      response = await this.call("/accounts/verify", {
        rail: request.rail,
        account_number: request.accountNumber,
        routing_number: request.routingNumber,
        holder_name: request.holderName,
      });
    } catch {
      return { status: "failed", code: "bank_unreachable" };
    }
    const body = (await response.json().catch(() => ({}))) as { status?: unknown; code?: unknown };
    if (response.ok && body.status === "verified") return { status: "verified" };
    return {
      status: "failed",
      code: typeof body.code === "string" ? body.code.slice(0, 64) : "not_verified",
    };
  }
}
