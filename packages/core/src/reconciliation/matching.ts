// The matching rules, pure: each line of a settlement report against what we expect the PSP to settle (our
// succeeded or in-flight captures and refunds). Every line ends in exactly one category; every expected item is
// either matched by a line, merely expected (inside the PSP's settlement delay plus grace), or MISSING_EXTERNAL.
// Lines are processed in the order of their PSP identity, never of arrival, so any order of the same lines gives
// the same result, and a file split in two (the second half knowing what the first matched) gives the same too.
import { computeFee, type FeeSchedule } from "../ledger/fees";
import type { CurrencyCode } from "../money/currency";
import type { SettlementLine, SettlementPsp } from "./settlement-line";

export const RECON_CATEGORIES = [
  "MATCHED",
  "AMOUNT_MISMATCH",
  "CURRENCY_MISMATCH",
  "STATUS_MISMATCH",
  "FEE_MISMATCH",
  "MISSING_INTERNAL",
  "MISSING_EXTERNAL",
  "DUPLICATE",
  "UNSUPPORTED_TYPE",
] as const;
export type ReconCategory = (typeof RECON_CATEGORIES)[number];

/** Where our side of a capture or refund stands: succeeded, sent but not confirmed, or failed. */
export type ExpectedState = "SUCCEEDED" | "IN_FLIGHT" | "FAILED";

/** A capture or refund we expect to see settled. */
export interface ExpectedSettlement {
  /** The capture attempt's or the refund's id. */
  id: string;
  kind: "CAPTURE" | "REFUND";
  psp: SettlementPsp;
  merchantId: string;
  paymentId: string;
  /** The payment's PSP reference. */
  pspReference: string | null;
  /** The capture's or refund's own PSP reference, when the PSP gave one. */
  modificationReference: string | null;
  /** Positive. */
  amountMinor: bigint;
  currency: CurrencyCode;
  state: ExpectedState;
  /** Settled by then at the latest: our capture or refund time + the PSP's settlement delay + grace. */
  dueAt: Date;
}

/** What each PSP charges per capture (refunds cost nothing in both sandboxes' models). */
export type FeeSchedules = Readonly<Record<SettlementPsp, FeeSchedule>>;

/** The sandbox PSPs' published fees: Stripe 2.9 % + 30, Adyen a 0.60 % commission (its per-row fee is a Fee row). */
export const DEFAULT_PSP_FEE_SCHEDULES: FeeSchedules = {
  stripe: { rateBps: 290, fixedMinor: 30n },
  adyen: { rateBps: 60, fixedMinor: 0n },
};

export interface LineOutcome {
  lineKey: string;
  lineNumber: number;
  category: ReconCategory;
  /** The expected item the line settles, when one was found (also for the mismatches). */
  expectedId: string | null;
  /** The PSP's figure minus ours: amount for AMOUNT_MISMATCH, fee for FEE_MISMATCH, else 0. */
  differenceMinor: bigint;
}

export interface MatchInput {
  lines: readonly SettlementLine[];
  /** Candidates not matched by any earlier line (the store drops those). */
  expected: readonly ExpectedSettlement[];
  /** Line keys already recorded by earlier imports or earlier chunks of this one. */
  seenLineKeys: ReadonlySet<string>;
  feeSchedules: FeeSchedules;
}

export interface MatchResult {
  /** One per line, in line-key then line-number order. */
  lines: LineOutcome[];
  /** Expected ids matched by a line, sorted. */
  matchedExpectedIds: string[];
}

function compareLines(left: SettlementLine, right: SettlementLine): number {
  if (left.lineKey !== right.lineKey) return left.lineKey < right.lineKey ? -1 : 1;
  return left.lineNumber - right.lineNumber;
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value;
}

export function expectedFeeMinor(line: SettlementLine, schedules: FeeSchedules): bigint {
  return line.type === "CAPTURE" && line.grossMinor > 0n
    ? computeFee(line.grossMinor, schedules[line.psp])
    : 0n;
}

function addTo(map: Map<string, ExpectedSettlement[]>, key: string, item: ExpectedSettlement): void {
  const items = map.get(key);
  if (items === undefined) map.set(key, [item]);
  else items.push(item);
}

export function matchSettlementLines(input: MatchInput): MatchResult {
  const byModification = new Map<string, ExpectedSettlement[]>();
  const byPayment = new Map<string, ExpectedSettlement[]>();
  const sortedExpected = [...input.expected].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const item of sortedExpected) {
    if (item.modificationReference !== null)
      addTo(byModification, `${item.psp}|${item.kind}|${item.modificationReference}`, item);
    if (item.pspReference !== null) addTo(byPayment, `${item.psp}|${item.kind}|${item.pspReference}`, item);
  }
  const taken = new Set<string>();
  const seen = new Set(input.seenLineKeys);
  const outcomes: LineOutcome[] = [];
  // Per line, no closure: a chunk is thousands of lines and a large file millions.
  let line: SettlementLine;
  const outcome = (category: ReconCategory, expectedId: string | null = null, differenceMinor = 0n) =>
    outcomes.push({
      lineKey: line.lineKey,
      lineNumber: line.lineNumber,
      category,
      expectedId,
      differenceMinor,
    });
  const free = (items: ExpectedSettlement[] | undefined) =>
    items === undefined ? [] : items.filter((item) => !taken.has(item.id));
  for (line of [...input.lines].sort(compareLines)) {
    if (seen.has(line.lineKey)) {
      outcome("DUPLICATE");
      continue;
    }
    seen.add(line.lineKey);
    if (line.type === "FEE") {
      outcome("MATCHED");
      continue;
    }
    // Chargeback rows feed the dispute model (ReconciliationCommands.applyChargebacks), not a capture or refund.
    if (line.type === "CHARGEBACK" || line.type === "CHARGEBACK_REVERSAL") {
      outcome("MATCHED");
      continue;
    }
    if (line.type !== "CAPTURE" && line.type !== "REFUND") {
      outcome("UNSUPPORTED_TYPE");
      continue;
    }
    const byOwnReference =
      line.modificationReference === null
        ? []
        : free(byModification.get(`${line.psp}|${line.type}|${line.modificationReference}`));
    const byPaymentReference =
      line.pspReference === null ? [] : free(byPayment.get(`${line.psp}|${line.type}|${line.pspReference}`));
    const grossMinor = absolute(line.grossMinor);
    // 1:N: a payment with several captures or refunds; the one of the same amount and currency first.
    const item =
      byOwnReference[0] ??
      byPaymentReference.find(
        (c) => c.amountMinor === grossMinor && c.currency === line.currency && c.state === "SUCCEEDED",
      ) ??
      byPaymentReference.find((c) => c.amountMinor === grossMinor && c.currency === line.currency) ??
      byPaymentReference[0];
    if (item === undefined) {
      outcome("MISSING_INTERNAL");
      continue;
    }
    taken.add(item.id);
    if (item.currency !== line.currency) outcome("CURRENCY_MISMATCH", item.id);
    else if (item.amountMinor !== grossMinor)
      outcome("AMOUNT_MISMATCH", item.id, grossMinor - item.amountMinor);
    else if (item.state !== "SUCCEEDED") outcome("STATUS_MISMATCH", item.id);
    else {
      const feeDifference = line.feeMinor - expectedFeeMinor(line, input.feeSchedules);
      outcome(feeDifference === 0n ? "MATCHED" : "FEE_MISMATCH", item.id, feeDifference);
    }
  }
  return { lines: outcomes, matchedExpectedIds: [...taken].sort() };
}

/** Expected items no line has settled: MISSING_EXTERNAL once due, otherwise merely expected. */
export function missingExternal(unmatched: readonly ExpectedSettlement[], asOf: Date): ExpectedSettlement[] {
  return unmatched.filter((item) => item.dueAt.getTime() <= asOf.getTime());
}

/** Σ gross, fee and net per currency over the lines that count (duplicates never do). They always tie out. */
export function settlementTotals(
  lines: readonly SettlementLine[],
  outcomes: readonly LineOutcome[],
): Map<CurrencyCode, { grossMinor: bigint; feeMinor: bigint; netMinor: bigint }> {
  const duplicateNumbers = new Set(
    outcomes.filter((o) => o.category === "DUPLICATE").map((o) => o.lineNumber),
  );
  const totals = new Map<CurrencyCode, { grossMinor: bigint; feeMinor: bigint; netMinor: bigint }>();
  for (const line of lines) {
    if (duplicateNumbers.has(line.lineNumber)) continue;
    const sum = totals.get(line.currency) ?? { grossMinor: 0n, feeMinor: 0n, netMinor: 0n };
    sum.grossMinor += line.grossMinor;
    sum.feeMinor += line.feeMinor;
    sum.netMinor += line.netMinor;
    totals.set(line.currency, sum);
  }
  return totals;
}

/** What the system does about an outcome by itself, named so the audit trail can say which rule acted. */
export type AutoResolution =
  | { rule: "settled.matched"; action: "POST" }
  | { rule: "settled.confirms_in_flight"; action: "CONFIRM_AND_POST" }
  | { rule: "amount.within_tolerance"; action: "ADJUST_AND_POST" }
  | { rule: "fee.differs"; action: "POST" }
  | { rule: "operator"; action: "OPEN_ITEM" }
  | { rule: "duplicate.ignored"; action: "NONE" };

/**
 * MATCHED and FEE_MISMATCH lines post what the PSP paid (a fee difference is the PSP's fee, ours to query but
 * real money) — the fee mismatch still opens an item. An in-flight capture or refund the PSP settled is confirmed.
 * An amount difference within the PSP's tolerance is accepted with an adjustment; everything else waits for an
 * operator.
 */
export function autoResolution(
  outcome: LineOutcome,
  expected: ExpectedSettlement | null,
  toleranceMinor: bigint,
): AutoResolution {
  switch (outcome.category) {
    case "MATCHED":
    case "FEE_MISMATCH":
      return outcome.category === "MATCHED"
        ? { rule: "settled.matched", action: "POST" }
        : { rule: "fee.differs", action: "POST" };
    case "STATUS_MISMATCH":
      return expected?.state === "IN_FLIGHT"
        ? { rule: "settled.confirms_in_flight", action: "CONFIRM_AND_POST" }
        : { rule: "operator", action: "OPEN_ITEM" };
    case "AMOUNT_MISMATCH":
      return absolute(outcome.differenceMinor) <= toleranceMinor
        ? { rule: "amount.within_tolerance", action: "ADJUST_AND_POST" }
        : { rule: "operator", action: "OPEN_ITEM" };
    case "DUPLICATE":
      return { rule: "duplicate.ignored", action: "NONE" };
    default:
      return { rule: "operator", action: "OPEN_ITEM" };
  }
}
