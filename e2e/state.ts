// What serve.ts seeded, read by the specs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** E2E_PORT_BASE moves all three ports (two checkouts running the specs side by side). */
const base = Number(process.env.E2E_PORT_BASE ?? 4300);
export const E2E_PORTS = {
  api: base,
  sandbox: base + 10,
  console: base + 20,
  // Invoices and webhook endpoints specs: the SMTP sink, and the spec's own webhook receiver.
  smtp: base + 25,
  webhookReceiver: base + 26,
  // Hosted checkout's spec: the merchant's shop page.
  shop: base + 30,
  // 3-D Secure spec: serve.ts's control port, which runs one pass of a worker's job when a spec asks.
  control: base + 31,
} as const;

/** The expiry year the specs' cards carry: always some years ahead, so no card expires as the calendar moves on. */
export const CARD_EXPIRY_YEAR = new Date().getUTCFullYear() + 5;

export interface E2eOperator {
  email: string;
  password: string;
  totpSecret: string | null;
}

export interface E2eState {
  baseUrl: string;
  /** totpSecret: set for the admin (admins must have TOTP), null for the others. */
  operators: Record<"ADMIN" | "OPERATOR" | "VIEWER", E2eOperator>;
  /** A second admin (with TOTP): approves what only an admin may, a customer's erasure (issue 22). */
  secondAdmin: E2eOperator;
  throttledOperator: { email: string; password: string };
  /** Starts without TOTP; the two-factor spec enrols it. */
  enrollingOperator: { email: string; password: string };
  refundablePaymentId: string;
  searchablePaymentId: string;
  heldToApproveId: string;
  heldToRejectId: string;
  otherPaymentIds: string[];
  /** Payouts (issue 18): a merchant with a released EUR balance and a payout the bank refused. */
  payoutMerchantId: string;
  failedPayoutId: string;
  /** Workbench (issue 17): what workbench.spec.ts acts on. */
  workbench: {
    /** A second operator, who approves the first one's adjustment. */
    approver: E2eOperator;
    authorizedPaymentId: string;
    disputeId: string;
    deadLetterId: string;
    merchantName: string;
  };
  /** A captured payment whose settlement line the PSP paid 200.00 short: an open AMOUNT_MISMATCH. */
  reconPaymentId: string;
  /** A merchant named with the full 200 characters, and its largest KWD and JPY payments (usability spec). */
  longValues: { merchantId: string; kwdPaymentId: string; jpyPaymentId: string };
  /** Hosted checkout (issue 20): a merchant whose allowed origins include the shop page the spec serves. */
  checkout: { apiUrl: string; shopUrl: string; secretKey: string; publishableKey: string };
  /**
   * POST <controlUrl>/jobs/<name> runs one pass of a worker's job: three-d-secure-expiry (3-D Secure spec),
   * announced-report-fetch (PSP accounts spec: parks and resumes the seeded live report download).
   */
  controlUrl: string;
  // ---- invoices and webhook endpoints specs (issue 20 part 2, issue 19) ----
  acmeMerchantId: string;
  /** Onboarding (issue 22): a merchant pending verification, its details submitted. */
  onboardingMerchantId: string;
  /** Sanctions (issue 22): an open hit of a merchant named like an entity of the OFAC sample. */
  sanctionsHitId: string;
  /** An OPEN invoice of Acme Books with a customer email: its hosted page, PDF, number and total as shown. */
  invoice: { id: string; number: string; pageUrl: string; pdfUrl: string; totalText: string; email: string };
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(join(import.meta.dirname, "artifacts", "state.json"), "utf8")) as E2eState;
}
