// The console's API: one router per area, mounted at /api/trpc by the Next app.
import { auditRouter } from "./routers/audit/audit.router";
import { authRouter } from "./routers/auth/auth.router";
import { customersRouter } from "./routers/customers/customers";
import { invoicesRouter } from "./routers/invoices/invoices.router";
import { mailRouter } from "./routers/mail/mail.router";
import { merchantsRouter } from "./routers/merchants/merchants.router";
import { onboardingRouter } from "./routers/onboarding/onboarding.router";
import { operatorsRouter } from "./routers/operators/operators.router";
import { overviewRouter } from "./routers/overview/overview.router";
import { paymentsRouter } from "./routers/payments/payments.router";
import { payoutsRouter } from "./routers/payouts/payouts.router";
import { pspAccountsRouter } from "./routers/psp-accounts/psp-accounts.router";
import { reconciliationRouter } from "./routers/reconciliation/reconciliation.router";
import { reviewsRouter } from "./routers/reviews/reviews.router";
import { riskListsRouter } from "./routers/risk-lists/risk-lists.router";
import { sanctionsRouter } from "./routers/sanctions/sanctions.router";
import { webhooksRouter } from "./routers/webhooks/webhooks.router";
// Workbench (issue 17).
import { authorizationsRouter } from "./routers/workbench/authorizations";
import { deadLettersRouter } from "./routers/workbench/dead-letters";
import { disputesRouter } from "./routers/workbench/disputes";
import { escalationsRouter } from "./routers/workbench/escalations";
import { ledgerRouter } from "./routers/workbench/ledger";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  overview: overviewRouter,
  merchants: merchantsRouter,
  payments: paymentsRouter,
  reviews: reviewsRouter,
  riskLists: riskListsRouter,
  audit: auditRouter,
  pspAccounts: pspAccountsRouter,
  operators: operatorsRouter,
  mail: mailRouter,
  webhooks: webhooksRouter,
  // Balances and payouts (issue 18).
  payouts: payoutsRouter,
  // Workbench (issue 17).
  deadLetters: deadLettersRouter,
  escalations: escalationsRouter,
  disputes: disputesRouter,
  ledger: ledgerRouter,
  authorizations: authorizationsRouter,
  reconciliation: reconciliationRouter,
  invoices: invoicesRouter,
  // Onboarding and KYC (issue 22).
  onboarding: onboardingRouter,
  sanctions: sanctionsRouter,
  // Customers' personal data (issue 22): erasure, four eyes.
  customers: customersRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
