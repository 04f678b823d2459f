// What request handlers may use. Its own file so that the context and the
// schema depend on this shape, not on the composition root that builds it.
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import type { ApiKeyAuthRepository } from "@paycore/db/repositories/api-key-auth.repository";
import type { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import type { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import type { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import type { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import type { LivePsps } from "./adapters/live-psps";
import type { AdminCommands } from "./admin-commands";
import type { DisputeServices } from "./dispute-services";

/** Reads through read-only repositories; every operator write through a core command (AdminCommands). */
export interface AppServices extends AdminCommands, DisputeServices {
  commands: PaymentCommands;
  paymentStore: PostgresPaymentStore;
  queries: PaymentQueryRepository;
  /** Read side only: changes go through `merchantCommands`. */
  merchants: MerchantRepository;
  /** Read side only: changes go through `riskListCommands`. */
  riskLists: RiskListRepository;
  apiKeys: ApiKeyAuthRepository;
  operatorKeys: OperatorKeyRepository;
  webhooks: WebhookRepository;
  /** The write path for PSP accounts (console, CLI). */
  pspAccounts: PspAccountCommands;
  /** Live mode's PSP clients, built from the accounts: connection checks, live webhook secrets. */
  livePsps: LivePsps;
}
