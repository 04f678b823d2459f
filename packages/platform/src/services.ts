// What request handlers may use. Its own file so that the context and the
// schema depend on this shape, not on the composition root that builds it.
import type { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import type { ApiKeyAuthRepository } from "@paycore/db/repositories/api-key-auth.repository";
import type { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import type { NodeQueryRepository } from "@paycore/db/repositories/node-query.repository";
import type { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import type { ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import type { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import type { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import type { LivePsps } from "./adapters/live-psps";
import type { PaymentWatch } from "./adapters/payment-watch";
import type { AdminCommands } from "./admin-commands";
import type { DisputeServices } from "./dispute-services";
import type { FxServices } from "./fx/fx-services";
import type { MerchantWebhooks } from "./merchant-webhooks/merchant-webhooks";

/** Reads through read-only repositories; every operator write through a core command (AdminCommands). */
export interface AppServices extends AdminCommands, DisputeServices, FxServices {
  commands: PaymentCommands;
  paymentStore: PostgresPaymentStore;
  queries: PaymentQueryRepository;
  /** Objects by id in batches (node, nodes, Refund.payment) and payment pages in both directions. */
  nodes: NodeQueryRepository;
  /** Committed payment changes for the paymentUpdated subscription (polls versions, no Redis needed). */
  paymentWatch: PaymentWatch;
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
  /** Receipts and credit notes, read side (the database issues them with the capture or refund). */
  receipts: ReceiptRepository;
  /** This API's public origin: links to hosted documents. */
  publicBaseUrl: string;
  /** The write path (and reads) for invoices. */
  invoiceCommands: InvoiceCommands;
  /** Merchants' webhook endpoints (write path and reads) and the events feed. */
  merchantWebhooks: MerchantWebhooks;
}
