// The payments list: filters, a search box, keyset pages and a bounded result count, across merchants. The
// same filter feeds the CSV export (src/server/export/payments-export.ts).
import { DomainError } from "@paycore/core/errors/domain-error";
import {
  type PaymentSearchCursor,
  type PaymentSearchFilter,
  SEARCH_SUBSTRING_MIN_LENGTH,
} from "@paycore/db/repositories/payment-search.repository";
import { decimalToMinor } from "../../../../lib/money";
import type { SignedInContext } from "../../trpc";
import type { ListPaymentsInput } from "./list.schema";
import { type PaymentRowView, toPaymentRowView } from "./payment-view";

const DAY_MS = 24 * 60 * 60_000;

export interface PaymentListView {
  payments: PaymentRowView[];
  nextCursor: string | null;
  /** How many payments match all the filters, counted up to a cap (`countCapped`: at least that many). */
  count: number;
  countCapped: boolean;
}

export function encodeCursor(cursor: PaymentSearchCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, "utf8").toString("base64url");
}

export function decodeCursor(text: string): PaymentSearchCursor {
  const [createdAt, id] = Buffer.from(text, "base64url").toString("utf8").split("|");
  const date = new Date(createdAt ?? "");
  if (!id || Number.isNaN(date.getTime())) {
    throw new DomainError("INVALID_INPUT", "This page link is no longer valid.", { field: ["after"] });
  }
  return { createdAt: date, id };
}

function amountFilter(
  text: string | null | undefined,
  currency: string | null,
  field: string,
): bigint | null {
  if (!text) return null;
  if (!currency) {
    throw new DomainError("INVALID_INPUT", "Pick a currency to filter by amount.", { field: [field] });
  }
  const minor = decimalToMinor(text, currency);
  if (minor === null) {
    throw new DomainError("AMOUNT_INVALID", `${text} is not an amount in ${currency}.`, { field: [field] });
  }
  return minor;
}

/** Search text that is neither an id, a last 4 nor long enough for a substring search. */
function checkSearch(search: string | null): string | null {
  if (!search) return null;
  const shaped = /^pay_[0-9A-Z]{26}$/.test(search) || /^\d{4}$/.test(search);
  if (!shaped && search.length < SEARCH_SUBSTRING_MIN_LENGTH) {
    throw new DomainError(
      "INVALID_INPUT",
      `Search for at least ${SEARCH_SUBSTRING_MIN_LENGTH} characters (or a card's last 4 digits).`,
      { field: ["search"] },
    );
  }
  return search;
}

/** The list's input as the repository's filter: amounts in minor units, dates as UTC day bounds. */
export function paymentFilterOf(input: Omit<ListPaymentsInput, "after" | "first">): PaymentSearchFilter {
  const currency = input.currency ?? null;
  return {
    statuses: input.statuses,
    merchantId: input.merchantId || null,
    currency,
    amountMinMinor: amountFilter(input.amountMin, currency, "amountMin"),
    amountMaxMinor: amountFilter(input.amountMax, currency, "amountMax"),
    createdFrom: input.createdFrom ? new Date(`${input.createdFrom}T00:00:00Z`) : null,
    // Inclusive: everything before the next day.
    createdBefore: input.createdTo
      ? new Date(new Date(`${input.createdTo}T00:00:00Z`).getTime() + DAY_MS)
      : null,
    search: checkSearch(input.search?.trim() || null),
  };
}

export async function listPaymentsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ListPaymentsInput;
}): Promise<PaymentListView> {
  const filter = paymentFilterOf(input);
  const [{ payments, hasNextPage }, { count, capped }] = await Promise.all([
    ctx.services.paymentSearch.search(filter, {
      first: input.first,
      after: input.after ? decodeCursor(input.after) : null,
    }),
    ctx.services.paymentSearch.count(filter),
  ]);
  const last = payments.at(-1);
  return {
    payments: payments.map(toPaymentRowView),
    nextCursor: hasNextPage && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    count,
    countCapped: capped,
  };
}
