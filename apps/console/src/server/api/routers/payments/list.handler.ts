// The payments list: filters, a search box and keyset pagination, across merchants.
import { DomainError } from "@paycore/core/errors/domain-error";
import type { ConsolePaymentCursor } from "@paycore/db/repositories/console-query.repository";
import { decimalToMinor } from "../../../../lib/money";
import type { SignedInContext } from "../../trpc";
import type { ListPaymentsInput } from "./list.schema";
import { type PaymentRowView, toPaymentRowView } from "./payment-view";

const DAY_MS = 24 * 60 * 60_000;

export interface PaymentListView {
  payments: PaymentRowView[];
  nextCursor: string | null;
}

export function encodeCursor(cursor: ConsolePaymentCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, "utf8").toString("base64url");
}

export function decodeCursor(text: string): ConsolePaymentCursor {
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

export async function listPaymentsHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: ListPaymentsInput;
}): Promise<PaymentListView> {
  const currency = input.currency ?? null;
  const { payments, hasNextPage } = await ctx.services.consoleQueries.searchPayments(
    {
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
      search: input.search ?? null,
    },
    { first: input.first, after: input.after ? decodeCursor(input.after) : null },
  );
  const last = payments.at(-1);
  return {
    payments: payments.map(toPaymentRowView),
    nextCursor: hasNextPage && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
