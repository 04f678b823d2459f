// The workbench's settings (issue 17): authorization windows per card brand, the amount above which a manual
// ledger adjustment needs a second operator, how often the ledger consistency check runs. Read from the
// environment by runtimeConfigFromEnv (env.ts documents the variables).
import { DEFAULT_ADJUSTMENT_APPROVAL_ABOVE_MAJOR } from "@paycore/core/ledger/ledger-adjustment-commands";
import {
  type AuthorizationWindows,
  DEFAULT_AUTHORIZATION_WINDOWS,
  validateWindows,
} from "@paycore/core/payments/expire-authorizations";

export interface WorkbenchConfig {
  authorizationWindows: AuthorizationWindows;
  /** Major units of the adjustment's currency. */
  adjustmentApprovalAboveMajor: bigint;
  ledgerCheckIntervalMs: number;
  /** A ledger check is full (re-reads the whole ledger and re-hashes the whole chain) at least this often. */
  ledgerCheckFullIntervalMs: number;
}

export const DEFAULT_WORKBENCH_CONFIG: WorkbenchConfig = {
  authorizationWindows: DEFAULT_AUTHORIZATION_WINDOWS,
  adjustmentApprovalAboveMajor: DEFAULT_ADJUSTMENT_APPROVAL_ABOVE_MAJOR,
  ledgerCheckIntervalMs: 60 * 60_000,
  ledgerCheckFullIntervalMs: 24 * 60 * 60_000,
};

/** "visa=7,mastercard=30" -> { visa: 7, mastercard: 30 }; throws on anything else. */
export function parseBrandWindows(text: string | undefined): Record<string, number> {
  const windows: Record<string, number> = {};
  for (const part of (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([a-z_]{2,20})=(\d{1,2})$/.exec(part.toLowerCase());
    if (!match?.[1] || !match[2])
      throw new Error(`AUTHORIZATION_WINDOW_DAYS_BY_BRAND: "${part}" is not brand=days`);
    windows[match[1]] = Number(match[2]);
  }
  return windows;
}

export function workbenchConfigFromEnv(env: {
  AUTHORIZATION_WINDOW_DAYS: number;
  AUTHORIZATION_WINDOW_DAYS_BY_BRAND?: string | undefined;
  LEDGER_ADJUSTMENT_APPROVAL_ABOVE: number;
  LEDGER_CHECK_INTERVAL_MINUTES: number;
  LEDGER_CHECK_FULL_INTERVAL_HOURS: number;
}): WorkbenchConfig {
  return {
    authorizationWindows: validateWindows({
      ...DEFAULT_AUTHORIZATION_WINDOWS,
      defaultDays: env.AUTHORIZATION_WINDOW_DAYS,
      byBrand: parseBrandWindows(env.AUTHORIZATION_WINDOW_DAYS_BY_BRAND),
    }),
    adjustmentApprovalAboveMajor: BigInt(env.LEDGER_ADJUSTMENT_APPROVAL_ABOVE),
    ledgerCheckIntervalMs: env.LEDGER_CHECK_INTERVAL_MINUTES * 60_000,
    ledgerCheckFullIntervalMs: env.LEDGER_CHECK_FULL_INTERVAL_HOURS * 60 * 60_000,
  };
}
