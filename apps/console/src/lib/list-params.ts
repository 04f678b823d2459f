// A list page's query string, read the same way by the page (Next's searchParams) and by its CSV export
// (URLSearchParams): the export of a filtered list is the list's URL plus "/export".
import { PAYMENT_STATUSES, type PaymentStatus } from "@paycore/core/payments/payment-state-machine";

export type SearchParams = Record<string, string | string[] | undefined>;

/** Every value of `key`, from either shape of query. */
export type ParamReader = (key: string) => string[];

export function readerOf(params: SearchParams | URLSearchParams): ParamReader {
  if (params instanceof URLSearchParams) return (key) => params.getAll(key);
  return (key) => {
    const value = params[key];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
  };
}

/** The first value, trimmed ("" when absent). */
export function one(read: ParamReader, key: string): string {
  return read(key)[0]?.trim() ?? "";
}

/** The payments list's filter keys in its URL: `status` repeats, the rest appear once. */
export const PAYMENT_FILTER_KEYS = ["q", "merchant", "currency", "min", "max", "from", "to"] as const;
export type PaymentFilterKey = (typeof PAYMENT_FILTER_KEYS)[number];

export interface PaymentListQuery {
  statuses: PaymentStatus[];
  filters: Record<PaymentFilterKey, string>;
  after: string;
}

export function paymentListQuery(read: ParamReader): PaymentListQuery {
  const statuses = [...new Set(read("status"))].filter((status): status is PaymentStatus =>
    (PAYMENT_STATUSES as readonly string[]).includes(status),
  );
  const filters = Object.fromEntries(PAYMENT_FILTER_KEYS.map((key) => [key, one(read, key)])) as Record<
    PaymentFilterKey,
    string
  >;
  return { statuses, filters, after: one(read, "after") };
}

/** The list procedure's input (before its schema validates it). */
export function paymentListInput(query: PaymentListQuery) {
  const { filters } = query;
  return {
    statuses: query.statuses,
    merchantId: filters.merchant || null,
    currency: filters.currency.toUpperCase() || null,
    amountMin: filters.min || null,
    amountMax: filters.max || null,
    createdFrom: filters.from || null,
    createdTo: filters.to || null,
    search: filters.q || null,
  };
}

/** The query string of a payments list (no cursor): the link of its first page and of its export. */
export function paymentListSearch(query: Pick<PaymentListQuery, "statuses" | "filters">): URLSearchParams {
  const search = new URLSearchParams();
  for (const status of query.statuses) search.append("status", status);
  for (const key of PAYMENT_FILTER_KEYS) if (query.filters[key]) search.set(key, query.filters[key]);
  return search;
}
