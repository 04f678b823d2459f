// The reconciliation read models as the console's pages and CSV export see them: plain data, times as ISO
// strings, amounts as digit strings; and the queue's filter turned into the repository's.
import { DomainError } from "@paycore/core/errors/domain-error";
import { parseCurrency } from "@paycore/core/money/currency";
import { parseDecimalAmount } from "@paycore/core/money/decimal-amount";
import { REPORT_AMOUNT_MINOR_MAX } from "@paycore/core/reconciliation/settlement-line";
import type {
  ApprovalView,
  ReconItemFilter,
  ReconItemRow,
  ReconRunView,
} from "@paycore/db/repositories/reconciliation.repository";
import type { ReconItemsInput } from "./reconciliation.schema";

const DAY_MS = 86_400_000;

export function itemView(row: ReconItemRow) {
  return {
    ...row,
    bookedAt: row.bookedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export type ReconItemView = ReturnType<typeof itemView>;

export function runView(run: ReconRunView) {
  return { ...run, createdAt: run.createdAt.toISOString() };
}

export function approvalView(approval: ApprovalView) {
  return {
    ...approval,
    createdAt: approval.createdAt.toISOString(),
    decidedAt: approval.decidedAt?.toISOString() ?? null,
  };
}

/** "<ISO time>~<id>", the last row of a page. */
export function cursorOf(row: { createdAt: Date; id: string }): string {
  return `${row.createdAt.toISOString()}~${row.id}`;
}

export function parseCursor(text: string | null): { createdAt: Date; id: string } | null {
  if (text === null || text === "") return null;
  const [iso = "", id = ""] = text.split("~");
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || !/^[a-z]+_[0-9A-Za-z_]{1,60}$/.test(id))
    throw new DomainError("INVALID_INPUT", "Not a page cursor.", { field: ["after"] });
  return { createdAt, id };
}

function amountBound(text: string | null, currency: string | null, field: string): bigint | null {
  if (text === null || text.trim() === "") return null;
  const parsed = currency === null ? null : parseCurrency(currency);
  if (parsed === null)
    throw new DomainError("INVALID_INPUT", "Choose a currency to filter by amount.", { field: ["currency"] });
  // Items hold report figures, so the bound is a report line's, not one payment's.
  const reading = parseDecimalAmount(text, parsed, { maximumMinor: REPORT_AMOUNT_MINOR_MAX });
  if (!reading.ok)
    throw new DomainError("INVALID_INPUT", `${field} is not an amount in ${parsed}.`, { field: [field] });
  return reading.amountMinor;
}

export function itemFilter(input: ReconItemsInput, now: Date): ReconItemFilter {
  if (input.currency !== null && parseCurrency(input.currency) === null)
    throw new DomainError("CURRENCY_INVALID", `${input.currency} is not a currency.`, {
      field: ["currency"],
    });
  return {
    statuses: input.statuses.length > 0 ? input.statuses : ["OPEN"],
    categories: input.categories,
    psp: input.psp,
    createdBefore:
      input.olderThanDays === null ? null : new Date(now.getTime() - input.olderThanDays * DAY_MS),
    currency: input.currency,
    amountMinMinor: amountBound(input.amountMin, input.currency, "amountMin"),
    amountMaxMinor: amountBound(input.amountMax, input.currency, "amountMax"),
  };
}
