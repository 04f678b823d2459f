// What the Operators page shows of an account: whitelisted fields, dates as ISO strings. Never a hash.
import type { OperatorAccount, OperatorListing } from "@paycore/core/operators/operator";

export interface OperatorView {
  id: string;
  email: string;
  role: OperatorAccount["role"];
  status: "active" | "disabled";
  totpEnabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
  lockedUntil: string | null;
}

export function operatorView(operator: OperatorAccount | OperatorListing): OperatorView {
  return {
    id: operator.id,
    email: operator.email,
    role: operator.role,
    status: operator.disabledAt === null ? "active" : "disabled",
    totpEnabled: operator.totpEnabled,
    createdAt: operator.createdAt.toISOString(),
    lastSignInAt: "lastSignInAt" in operator ? (operator.lastSignInAt?.toISOString() ?? null) : null,
    lockedUntil: "lockedUntil" in operator ? (operator.lockedUntil?.toISOString() ?? null) : null,
  };
}
