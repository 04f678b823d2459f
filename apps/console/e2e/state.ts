// What serve.ts seeded, read by the specs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const E2E_PORTS = { api: 4300, sandbox: 4310, console: 4320 } as const;

export interface E2eState {
  baseUrl: string;
  operators: Record<"ADMIN" | "OPERATOR" | "VIEWER", { email: string; password: string }>;
  throttledOperator: { email: string; password: string };
  refundablePaymentId: string;
  searchablePaymentId: string;
  heldToApproveId: string;
  heldToRejectId: string;
  otherPaymentIds: string[];
}

export function readState(): E2eState {
  return JSON.parse(readFileSync(join(import.meta.dirname, "artifacts", "state.json"), "utf8")) as E2eState;
}
