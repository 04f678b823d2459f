// What request handlers may use. Its own file so that the context and the
// schema depend on this shape, not on the composition root that builds it.

import type { BankTransferRefunds } from "@paycore/core/bank-transfers/bank-refunds";
import type { BankTransferCommands } from "@paycore/core/bank-transfers/bank-transfer-commands";
import type { CheckoutCommands } from "@paycore/core/checkout/checkout-commands";
import type { InvoiceCommands } from "@paycore/core/invoices/invoice-commands";
import type { RequestSigningCommands } from "@paycore/core/merchants/request-signing-commands";
import type { MerchantAdmission } from "@paycore/core/onboarding/merchant-admission";
import type { OnboardingCommands } from "@paycore/core/onboarding/onboarding-commands";
import type { PaymentCommands } from "@paycore/core/payments/payment-commands";
import type { PspAccountCommands } from "@paycore/core/psp-accounts/psp-account-commands";
import type { AnnouncedReportCommands } from "@paycore/core/reconciliation/announced-reports";
import type { ShadowReconciliation } from "@paycore/core/reconciliation/shadow-reconciliation";
import type { SanctionsCommands } from "@paycore/core/sanctions/sanctions-commands";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { ApiKeyLookup } from "@paycore/db/api-key-cache";
import type { BankTransferStoreRepository } from "@paycore/db/repositories/bank-transfer-store.repository";
import type { MerchantRepository } from "@paycore/db/repositories/merchant.repository";
import type { NodeQueryRepository } from "@paycore/db/repositories/node-query.repository";
import type { OnboardingRepository } from "@paycore/db/repositories/onboarding.repository";
import type { OperatorKeyRepository } from "@paycore/db/repositories/operator-key.repository";
import type { PaymentQueryRepository } from "@paycore/db/repositories/payment-query.repository";
import type { PostgresPaymentStore } from "@paycore/db/repositories/payment-store.repository";
import type { ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import type { RiskListRepository } from "@paycore/db/repositories/risk-data.repository";
import type { SanctionsRepository } from "@paycore/db/repositories/sanctions.repository";
import type { WebhookRepository } from "@paycore/db/repositories/webhook.repository";
import type { LivePsps } from "./adapters/live-psps";
import type { PaymentWatch } from "./adapters/payment-watch";
import type { RequestNonces } from "./adapters/request-nonces";
import type { AdminCommands } from "./admin-commands";
import type { DisputeServices } from "./dispute-services";
import type { FxServices } from "./fx/fx-services";
import type { InvoiceServices } from "./invoice-services";
import type { MerchantWebhooks } from "./merchant-webhooks/merchant-webhooks";
import type { PayoutServices } from "./payout-services";
// Workbench (issue 17): dead letters, manual ledger adjustments, the ledger check, authorization expiry.
import type { WorkbenchServices } from "./workbench/workbench-services";

/** Reads through read-only repositories; every operator write through a core command (AdminCommands). */
export interface AppServices
  extends AdminCommands,
    DisputeServices,
    PayoutServices,
    WorkbenchServices,
    FxServices {
  commands: PaymentCommands;
  paymentStore: PostgresPaymentStore;
  /** Customers' e-mails and IPs: sealed at rest, opened on read, searched by blind index (issue 22). */
  pii: PiiVault;
  queries: PaymentQueryRepository;
  /** Objects by id in batches (node, nodes, Refund.payment) and payment pages in both directions. */
  nodes: NodeQueryRepository;
  /** Committed payment changes for the paymentUpdated subscription (polls versions, no Redis needed). */
  paymentWatch: PaymentWatch;
  /** Read side only: changes go through `merchantCommands`. */
  merchants: MerchantRepository;
  /** Read side only: changes go through `riskListCommands`. */
  riskLists: RiskListRepository;
  /** The key behind a request, cached for a few seconds with change notices from Postgres (api-key-cache.ts). */
  apiKeys: ApiKeyLookup;
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
  // ---- Bank transfers (issue 18, part 3) ----
  /** The write path for bank-transfer payments and the bank's notifications. */
  bankTransfers: BankTransferCommands;
  /** Read side: a payment's bank-transfer instructions (GraphQL). */
  bankTransferStore: Pick<BankTransferStoreRepository, "transfersOf" | "disagreeingWithLedger">;
  /** Refunds of bank-transfer payments (issue 18): the bank's notices about them and the unknown-outcome resolver. */
  bankRefunds: Pick<BankTransferRefunds, "applyBankNotice" | "resolveUnknown">;
  /** The bank's notification secret; null: POST /webhooks/bank answers 404. */
  bankWebhookSecret: string | null;
  /** Reconciliation's shadow mode (issue 16): notifications that contradict our state become open items. */
  shadowReconciliation: ShadowReconciliation;
  /** Settlement reports the PSPs announce (issue 16): queued by the webhook routes, fetched by a worker. */
  announcedReports: AnnouncedReportCommands;
  /** Hosted checkout (issue 20): checkout sessions' write path and reads (createCheckoutSession in checkout/). */
  checkoutCommands: CheckoutCommands;
  // ---- invoices' documents and hosted payment (issue 20 part 2) ----
  /** Invoices' documents (page, PDF, mails, console reads) and paying one from its hosted page. */
  invoices: InvoiceServices;
  /** Signed requests (issue 22): signing secrets, the merchant's requirement, a key's policy for the API. */
  requestSigning: RequestSigningCommands;
  /** Signed requests (issue 22): nonces seen within the window (Redis, Postgres when Redis fails). */
  requestNonces: RequestNonces;
  // ---- Onboarding and KYC (issue 22) ----
  /** The write path for merchants' onboarding: details, documents, decisions, rule restrictions. */
  onboarding: OnboardingCommands;
  /** Read side: the review queue, a merchant's onboarding events and documents. */
  onboardingReads: OnboardingRepository;
  /** The standing checks live payments and payouts make (the sanctions review reads it too). */
  admission: MerchantAdmission;
  /** Sanctions (issue 22): list imports, screenings, hit decisions. */
  sanctions: SanctionsCommands;
  /** Read side: hits to review, screenings, list versions. */
  sanctionsReads: SanctionsRepository;
}
