// The ledger follows the money from the PSP to the bank. A capture left `psp_receivable` holding the gross the
// PSP owes us; a settlement line clears it: debit the bank with what the PSP paid (net), debit `psp_fees` with
// what it kept (fee), credit `psp_receivable` with the gross. A refund line runs the other way, a fee-only row
// moves fee from the bank to `psp_fees`. When we accept a PSP's figure that differs from ours, the difference
// goes to `recon_adjustments`, so the receivable is still cleared by exactly what it held.
// An import posts the settled lines of a chunk together (combineSettlementEntries): one entry per merchant, mode,
// currency and bank account (and per 100 lines), which keeps one `psp_receivable` line per settled line (what that line cleared) and
// sums the bank, fee and adjustment movements into one line each.
import { invariant } from "../errors/domain-error";
import type { EntryDirection } from "../ledger/postings";
import type { CurrencyCode } from "../money/currency";

/**
 * Settlement accounts, next to the merchant accounts of ledger/postings.ts (per merchant, mode and currency).
 * `bank_cash` is kept per PSP account too: its code carries the account (`bank_cash:adyen:<merchant account>`).
 */
export const SETTLEMENT_ACCOUNTS = {
  psp_receivable: "ASSET",
  bank_cash: "ASSET",
  psp_fees: "EXPENSE",
  recon_adjustments: "EXPENSE",
} as const;

export type SettlementAccount = keyof typeof SETTLEMENT_ACCOUNTS;

export interface SettlementPostingLine {
  account: SettlementAccount;
  direction: EntryDirection;
  amountMinor: bigint;
}

export interface SettlementEntryDraft {
  /** One line's settlement, one with an adjustment, or the settled lines of an import's chunk together. */
  kind: "settlement.line" | "settlement.adjustment" | "settlement.chunk";
  currency: CurrencyCode;
  lines: SettlementPostingLine[];
}

/** The ledger code of a PSP account's bank cash: one per PSP and, for Adyen, merchant account. */
export function bankCashCode(psp: string, merchantAccount: string | null): string {
  return merchantAccount === null ? `bank_cash:${psp}` : `bank_cash:${psp}:${merchantAccount}`;
}

/** A signed change of a debit-normal account as a posting line added to `lines` (none for zero). */
function addDebitNormal(
  lines: SettlementPostingLine[],
  account: SettlementAccount,
  changeMinor: bigint,
): void {
  if (changeMinor === 0n) return;
  lines.push(
    changeMinor > 0n
      ? { account, direction: "DEBIT", amountMinor: changeMinor }
      : { account, direction: "CREDIT", amountMinor: -changeMinor },
  );
}

/**
 * The entry of one settled line. `clearedMinor` is what our receivable holds for it (our captured amount, or
 * minus our refunded amount); it defaults to the PSP's gross. A difference is posted to `recon_adjustments`.
 * Null when the line moves nothing.
 */
export function settlementPosting(input: {
  currency: CurrencyCode;
  grossMinor: bigint;
  feeMinor: bigint;
  netMinor: bigint;
  clearedMinor?: bigint;
}): SettlementEntryDraft | null {
  invariant(
    input.grossMinor - input.feeMinor === input.netMinor,
    "a settlement line's gross − fee must be net",
  );
  const clearedMinor = input.clearedMinor ?? input.grossMinor;
  const lines: SettlementPostingLine[] = [];
  addDebitNormal(lines, "bank_cash", input.netMinor);
  addDebitNormal(lines, "psp_fees", input.feeMinor);
  addDebitNormal(lines, "recon_adjustments", clearedMinor - input.grossMinor);
  addDebitNormal(lines, "psp_receivable", -clearedMinor);
  if (lines.length === 0) return null;
  const entry: SettlementEntryDraft = {
    kind: clearedMinor === input.grossMinor ? "settlement.line" : "settlement.adjustment",
    currency: input.currency,
    lines,
  };
  assertSettlementBalanced(entry);
  return entry;
}

/** Accounts whose movements a chunk's entry sums into one line; `psp_receivable` keeps a line per settled line. */
const SUMMED_ACCOUNTS = ["bank_cash", "psp_fees", "recon_adjustments"] as const;
/**
 * Settled lines per combined entry. Far fewer rows than an entry per line already (the gain is in the first tens),
 * and an entry stays small for whatever reads a batch of entries with all their lines at once: the chain sealer
 * hashes up to 200 entries per pass (packages/db chain.repository.ts), which at 2,000 lines an entry would be
 * 400,000 lines in one result.
 */
export const SETTLED_LINES_PER_ENTRY_MAX = 100;

/**
 * The settled lines of one merchant, mode, currency and bank account in one entry (kind `settlement.chunk`): every
 * `psp_receivable` line kept as it is, in order (the receivable is cleared line by line, by what each line's
 * capture or refund held), and the bank, fee and adjustment lines summed per account into one line each (none when
 * they sum to zero). Balanced because each part is. Null when nothing is left to post.
 */
export function combineSettlementEntries(
  entries: readonly SettlementEntryDraft[],
): SettlementEntryDraft | null {
  invariant(
    entries.length <= SETTLED_LINES_PER_ENTRY_MAX,
    `more than ${SETTLED_LINES_PER_ENTRY_MAX} entries to combine`,
  );
  const first = entries[0];
  if (first === undefined) return null;
  const sums = { bank_cash: 0n, psp_fees: 0n, recon_adjustments: 0n, psp_receivable: 0n };
  const receivable: SettlementPostingLine[] = [];
  for (const entry of entries) {
    invariant(entry.currency === first.currency, "combined settlement entries share one currency");
    for (const line of entry.lines) {
      if (line.account === "psp_receivable") receivable.push(line);
      else sums[line.account] += line.direction === "DEBIT" ? line.amountMinor : -line.amountMinor;
    }
  }
  const lines: SettlementPostingLine[] = [];
  for (const account of SUMMED_ACCOUNTS) addDebitNormal(lines, account, sums[account]);
  for (const line of receivable) lines.push(line);
  if (lines.length === 0) return null;
  const entry: SettlementEntryDraft = { kind: "settlement.chunk", currency: first.currency, lines };
  assertSettlementBalanced(entry);
  return entry;
}

export function assertSettlementBalanced(entry: SettlementEntryDraft): void {
  invariant(entry.lines.length >= 2, `settlement entry ${entry.kind} needs at least two lines`);
  let balanceMinor = 0n;
  for (const line of entry.lines) {
    invariant(line.amountMinor > 0n, `settlement entry ${entry.kind} has a non-positive line`);
    invariant(line.account in SETTLEMENT_ACCOUNTS, `settlement entry ${entry.kind} uses an unknown account`);
    balanceMinor += line.direction === "DEBIT" ? line.amountMinor : -line.amountMinor;
  }
  invariant(balanceMinor === 0n, `settlement entry ${entry.kind} is unbalanced by ${balanceMinor}`);
}

/**
 * Splits a fee-only row (one per PSP account, currency and day) over the merchants whose lines it charges, in
 * proportion to their line counts, by largest remainder: the parts always sum to the fee exactly. Merchants in
 * id order, so the split does not depend on the order lines arrived in.
 */
export function allocateFee(feeMinor: bigint, lineCounts: ReadonlyMap<string, number>): Map<string, bigint> {
  const merchants = [...lineCounts.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  invariant(merchants.length > 0, "a fee row needs at least one merchant to charge");
  const total = BigInt(merchants.reduce((sum, [, count]) => sum + count, 0));
  const negative = feeMinor < 0n;
  const whole = negative ? -feeMinor : feeMinor;
  const parts = merchants.map(([merchantId, count]) => {
    const scaled = whole * BigInt(count);
    return { merchantId, share: scaled / total, remainder: scaled % total };
  });
  let left = whole - parts.reduce((sum, part) => sum + part.share, 0n);
  const byRemainder = [...parts].sort((a, b) =>
    a.remainder === b.remainder ? (a.merchantId < b.merchantId ? -1 : 1) : a.remainder > b.remainder ? -1 : 1,
  );
  for (const part of byRemainder) {
    if (left === 0n) break;
    part.share += 1n;
    left -= 1n;
  }
  return new Map(parts.map((part) => [part.merchantId, negative ? -part.share : part.share]));
}
