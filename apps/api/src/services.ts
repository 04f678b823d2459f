// What request handlers may use. Its own file so that the context and the
// schema depend on this shape, not on the composition root that builds it.
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { ApiKeyAuthRepository } from "@paycore/db/repositories/api-key-auth.repository";
import type { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import type { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import type { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import type { WebhookRepository } from "@paycore/db/repositories/webhook.repository";

export interface AppServices {
  commands: PaymentCommands;
  paymentStore: PostgresPaymentStore;
  queries: PaymentQueryRepository;
  merchants: MerchantRepository;
  riskLists: RiskListRepository;
  apiKeys: ApiKeyAuthRepository;
  operatorKeys: OperatorKeyRepository;
  webhooks: WebhookRepository;
}
