// The console's API: one router per area, mounted at /api/trpc by the Next app.
import { auditRouter } from "./routers/audit/audit.router";
import { authRouter } from "./routers/auth/auth.router";
import { invoicesRouter } from "./routers/invoices/invoices.router";
import { mailRouter } from "./routers/mail/mail.router";
import { merchantsRouter } from "./routers/merchants/merchants.router";
import { operatorsRouter } from "./routers/operators/operators.router";
import { overviewRouter } from "./routers/overview/overview.router";
import { paymentsRouter } from "./routers/payments/payments.router";
import { pspAccountsRouter } from "./routers/psp-accounts/psp-accounts.router";
import { reviewsRouter } from "./routers/reviews/reviews.router";
import { riskListsRouter } from "./routers/risk-lists/risk-lists.router";
import { webhooksRouter } from "./routers/webhooks/webhooks.router";
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
  invoices: invoicesRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
