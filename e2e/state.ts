// What serve.ts seeded, read by the specs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const E2E_PORTS = { api: 4300, sandbox: 4310, console: 4320 } as const;

export interface E2eOperator {
  email: string;
  password: string;
  totpSecret: string | null;
}

export interface E2eState {
  baseUrl: string;
  /** totpSecret: set for the admin (admins must have TOTP), null for the others. */
  operators: Record<"ADMIN" | "OPERATOR" | "VIEWER", E2eOperator>;
  throttledOperator: { email: string; password: string };
  /** Starts without TOTP; the two-factor spec enrols it. */
  enrollingOperator: { email: string; password: string };
  refundablePaymentId: string;
  searchablePaymentId: string;
  heldToApproveId: string;
  heldToRejectId: string;
  otherPaymentIds: string[];
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(join(import.meta.dirname, "artifacts", "state.json"), "utf8")) as E2eState;
}
