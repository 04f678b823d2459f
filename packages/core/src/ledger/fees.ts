import { invariant } from "../errors/domain-error";

/** A percentage in basis points (integer 0..10000) plus a fixed fee in minor units. */
export interface FeeSchedule {
  rateBps: number;
  fixedMinor: bigint;
}

export const DEFAULT_FEE_SCHEDULE: FeeSchedule = Object.freeze({ rateBps: 290, fixedMinor: 30n });

const BPS_PER_WHOLE = 10_000n;

export function assertFeeSchedule(schedule: FeeSchedule): void {
  invariant(
    Number.isInteger(schedule.rateBps) && schedule.rateBps >= 0 && schedule.rateBps <= 10_000,
    "fee rateBps must be an integer between 0 and 10000",
  );
  invariant(
    typeof schedule.fixedMinor === "bigint" && schedule.fixedMinor >= 0n,
    "fee fixedMinor must be a non-negative bigint",
  );
}

/**
 * Percentage part rounded half-up, plus the fixed part, capped at the amount so that a
 * small capture never leaves the merchant owing us money.
 */
export function computeFee(amountMinor: bigint, schedule: FeeSchedule): bigint {
  assertFeeSchedule(schedule);
  invariant(amountMinor >= 0n, "fees are computed on non-negative amounts");
  if (amountMinor === 0n) {
    return 0n;
  }
  // Adding half the divisor before truncating division is half-up for non-negative values.
  const percentMinor = (amountMinor * BigInt(schedule.rateBps) + BPS_PER_WHOLE / 2n) / BPS_PER_WHOLE;
  const fee = percentMinor + schedule.fixedMinor;
  return fee > amountMinor ? amountMinor : fee;
}
