// The payout services the app, the bank's webhook route, the workers and the console share: the core's one write
// path (PayoutCommands) over its Postgres store, and the read repository. Built by one call in the composition
// root (runtime.ts).
import { ApprovalCommands } from "@paycore/core/approvals/approval-commands";
import type { IdempotencyService } from "@paycore/core/idempotency/idempotency-service";
import type { MerchantAdmission } from "@paycore/core/onboarding/merchant-admission";
import { PayoutCommands } from "@paycore/core/payouts/payout-commands";
import type { VaultKeyring } from "@paycore/core/vault/card-vault";
import { ApprovalStoreRepository } from "@paycore/db/repositories/approval-store.repository";
import { PayoutRepository } from "@paycore/db/repositories/payout.repository";
import { PayoutStoreRepository } from "@paycore/db/repositories/payout-store.repository";
import type { Sql } from "@paycore/db/sql";
import { BankRailsClient } from "./bank-rails/bank-rails-client";

export interface BankRailsConfig {
  /** e.g. "http://127.0.0.1:4010/bank/v1". */
  baseUrl: string;
  apiKey: string;
  /** The secret the bank signs its notifications with. */
  webhookSecret: string;
  timeoutMs: number;
  /** The first wait before a payout call without an answer is asked again; default 30 s (tests: 0). */
  retryFirstMs?: number;
}

export interface PayoutServices {
  /** The write path for bank accounts, payouts, schedules, pauses and releases. */
  payouts: PayoutCommands;
  /** Read side only. */
  payoutReads: PayoutRepository;
  /** The bank's notification secret; null: no bank configured (its webhook route answers 404). */
  bankWebhookSecret: string | null;
}

export function createPayoutServices(options: {
  sql: Sql;
  idempotency: IdempotencyService;
  vault: VaultKeyring;
  bank: BankRailsConfig | null;
  now?: () => Date;
  /** Onboarding and sanctions (issue 22): payouts held or refused by the merchant's standing. */
  admission?: Pick<MerchantAdmission, "checkPayout">;
  /** Sanctions (issue 22): a new bank account's holder is screened. */
  screening?: { screenMerchant(merchantId: string, reason: string): Promise<unknown> };
  /** Four eyes (issue 18): a fixed reserve above this many major units waits for a second admin; null: none. */
  reserveApprovalAboveMajor?: bigint | null;
}): PayoutServices {
  return {
    payouts: new PayoutCommands({
      store: new PayoutStoreRepository(options.sql),
      idempotency: options.idempotency,
      vault: options.vault,
      bank: options.bank
        ? new BankRailsClient({
            baseUrl: options.bank.baseUrl,
            apiKey: options.bank.apiKey,
            timeoutMs: options.bank.timeoutMs,
          })
        : null,
      now: options.now ?? (() => new Date()),
      ...(options.admission ? { admission: options.admission } : {}),
      ...(options.screening ? { screening: options.screening } : {}),
      ...(options.reserveApprovalAboveMajor == null
        ? {}
        : {
            reserveApproval: {
              // The same four-eyes requests as the workbench's (one table, one approve/reject path).
              approvals: new ApprovalCommands({
                store: new ApprovalStoreRepository(options.sql),
                now: options.now ?? (() => new Date()),
              }),
              aboveMajor: options.reserveApprovalAboveMajor,
            },
          }),
      ...(options.bank?.retryFirstMs === undefined ? {} : { bankRetryFirstMs: options.bank.retryFirstMs }),
    }),
    payoutReads: new PayoutRepository(options.sql),
    bankWebhookSecret: options.bank?.webhookSecret ?? null,
  };
}
