// The console's payment search across merchants: filters, a search box and keyset pages, plus a bounded count
// and the page-by-page walk a CSV export streams. One SQL statement per page, built from fixed fragments with
// every value a bound parameter. The search box matches a payment id, a card's last 4, a PSP reference
// exactly, or a substring of the customer's email, the description or the metadata through the trigram
// indexes of migration 20261208170000_console_payment_search (LIKE wildcards in the text are escaped).

import type { MerchantId, PaymentId } from "@paycore/core/ids/ids";
import type { CurrencyCode } from "@paycore/core/money/currency";
import type { Mode } from "@paycore/core/payments/payment-record";
import type { PaymentStatus } from "@paycore/core/payments/payment-state-machine";
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import type { DatabaseClient } from "../client";

export const PAYMENT_SEARCH_PAGE_SIZE_MAX = 500;
/** A count stops here: the console says "10,000+" rather than scanning a whole table to be exact. */
export const PAYMENT_COUNT_CAP = 10_000;
/** Below this many characters a substring cannot use a trigram index (a trigram is three characters). */
export const SEARCH_SUBSTRING_MIN_LENGTH = 3;
export const SEARCH_TEXT_MAX_LENGTH = 320;

export interface PaymentSearchFilter {
  statuses: PaymentStatus[];
  merchantId: string | null;
  currency: string | null;
  amountMinMinor: bigint | null;
  amountMaxMinor: bigint | null;
  createdFrom: Date | null;
  createdBefore: Date | null;
  /**
   * A payment id, a card's last 4 digits or a PSP reference (each an indexed equality), or a substring of at
   * least SEARCH_SUBSTRING_MIN_LENGTH characters of the description or the metadata, or a whole customer e-mail
   * (anything with an @, matched through its blind index: the address is sealed at rest).
   * Shorter text that is none of those matches a PSP reference only.
   */
  search: string | null;
}

export interface PaymentSearchCursor {
  createdAt: Date;
  id: string;
}

export interface PaymentSearchRow {
  id: PaymentId;
  merchantId: MerchantId;
  merchantName: string;
  mode: Mode;
  status: PaymentStatus;
  amountMinor: bigint;
  amountCapturedMinor: bigint;
  amountRefundedMinor: bigint;
  currency: CurrencyCode;
  customerEmail: string | null;
  description: string | null;
  metadata: Record<string, string>;
  pspName: string | null;
  pspReference: string | null;
  /** Why a payment was declined or failed: the PSP's code and message as recorded. */
  failureCode: string | null;
  failureMessage: string | null;
  cardBrand: string;
  cardLast4: string;
  createdAt: Date;
}

interface RawRow {
  id: string;
  merchant_id: string;
  merchant_name: string;
  mode: string;
  status: string;
  amount_minor: bigint;
  amount_captured_minor: bigint;
  amount_refunded_minor: bigint;
  currency: string;
  customer_email: string | null;
  description: string | null;
  metadata: unknown;
  psp_name: string | null;
  psp_reference: string | null;
  failure_code: string | null;
  failure_message: string | null;
  brand: string;
  last4: string;
  created_at: Date;
}

/** `\`, `%` and `_` taken literally in a LIKE pattern with ESCAPE '\'. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Positional parameters for one statement: `add` returns the placeholder of the value it keeps. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ""): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

function searchClause(search: string, params: Params, pii: PiiVault): string {
  if (/^pay_[0-9A-Z]{26}$/.test(search)) return `p.id = ${params.add(search)}`;
  if (/^\d{4}$/.test(search)) return `pm.last4 = ${params.add(search)}`;
  // The customer's e-mail is sealed at rest (issue 22): a whole address matches through its blind index, never
  // a substring of it.
  if (search.includes("@")) return `p.customer_email_bidx = ${params.add(pii.blindIndex("email", search))}`;
  const exact = params.add(search);
  if (search.length < SEARCH_SUBSTRING_MIN_LENGTH) return `p.psp_reference = ${exact}`;
  const pattern = params.add(`%${escapeLike(search)}%`);
  return `(p.psp_reference = ${exact}
        OR p.description ILIKE ${pattern} ESCAPE '\\'
        OR (p.metadata::text) ILIKE ${pattern} ESCAPE '\\')`;
}

function whereClause(
  filter: PaymentSearchFilter,
  after: PaymentSearchCursor | null,
  params: Params,
  pii: PiiVault,
): string {
  const and: string[] = [];
  if (filter.statuses.length > 0)
    and.push(`p.status = ANY(${params.add(filter.statuses, '::"PaymentStatus"[]')})`);
  if (filter.merchantId) and.push(`p.merchant_id = ${params.add(filter.merchantId)}`);
  if (filter.currency) and.push(`p.currency = ${params.add(filter.currency)}`);
  if (filter.amountMinMinor !== null)
    and.push(`p.amount_minor >= ${params.add(filter.amountMinMinor, "::bigint")}`);
  if (filter.amountMaxMinor !== null)
    and.push(`p.amount_minor <= ${params.add(filter.amountMaxMinor, "::bigint")}`);
  if (filter.createdFrom) and.push(`p.created_at >= ${params.add(filter.createdFrom, "::timestamptz")}`);
  if (filter.createdBefore) and.push(`p.created_at < ${params.add(filter.createdBefore, "::timestamptz")}`);
  const search = filter.search?.trim().slice(0, SEARCH_TEXT_MAX_LENGTH) || null;
  if (search) and.push(searchClause(search, params, pii));
  if (after) {
    and.push(
      `(p.created_at, p.id) < (${params.add(after.createdAt, "::timestamptz")}, ${params.add(after.id)})`,
    );
  }
  return and.length > 0 ? `WHERE ${and.join("\n     AND ")}` : "";
}

function toRow(row: RawRow, pii: PiiVault): PaymentSearchRow {
  const metadata =
    row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata)
      ? Object.fromEntries(
          Object.entries(row.metadata as Record<string, unknown>).map(([key, value]) => [key, String(value)]),
        )
      : {};
  return {
    id: row.id as PaymentId,
    merchantId: row.merchant_id as MerchantId,
    merchantName: row.merchant_name,
    mode: row.mode as Mode,
    status: row.status as PaymentStatus,
    amountMinor: BigInt(row.amount_minor),
    amountCapturedMinor: BigInt(row.amount_captured_minor),
    amountRefundedMinor: BigInt(row.amount_refunded_minor),
    currency: row.currency as CurrencyCode,
    customerEmail: pii.open("email", row.merchant_id, row.customer_email),
    description: row.description,
    metadata,
    pspName: row.psp_name,
    pspReference: row.psp_reference,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    cardBrand: row.brand,
    cardLast4: row.last4,
    createdAt: row.created_at,
  };
}

export class PaymentSearchRepository {
  constructor(
    private readonly db: DatabaseClient,
    /** Opens the sealed e-mail and computes the blind index searches use (issue 22). */
    private readonly pii: PiiVault,
  ) {}

  /** Newest first, keyset-paginated on (created_at desc, id desc): a page costs the same however deep. */
  async search(
    filter: PaymentSearchFilter,
    page: { first: number; after: PaymentSearchCursor | null },
  ): Promise<{ payments: PaymentSearchRow[]; hasNextPage: boolean }> {
    const take = Math.min(Math.max(Math.trunc(page.first), 1), PAYMENT_SEARCH_PAGE_SIZE_MAX);
    const params = new Params();
    const where = whereClause(filter, page.after, params, this.pii);
    const rows = await this.db.$queryRawUnsafe<RawRow[]>(
      `SELECT p.id, p.merchant_id, m.name AS merchant_name, p.mode::text AS mode, p.status::text AS status,
              p.amount_minor, p.amount_captured_minor, p.amount_refunded_minor, p.currency::text AS currency,
              p.customer_email, p.description, p.metadata, p.psp_name, p.psp_reference,
              p.failure_code, p.failure_message, pm.brand, pm.last4::text AS last4, p.created_at
         FROM payments p
         JOIN merchants m ON m.id = p.merchant_id
         JOIN payment_methods pm ON pm.id = p.payment_method_id
       ${where}
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT ${params.add(take + 1, "::int")}`,
      ...params.values,
    );
    return {
      payments: rows.slice(0, take).map((row) => toRow(row, this.pii)),
      hasNextPage: rows.length > take,
    };
  }

  /** How many payments match, counted up to `cap` (a result of `cap + 1` means "more than cap"). */
  async count(
    filter: PaymentSearchFilter,
    cap = PAYMENT_COUNT_CAP,
  ): Promise<{ count: number; capped: boolean }> {
    const limit = Math.min(Math.max(Math.trunc(cap), 1), PAYMENT_COUNT_CAP);
    const params = new Params();
    const where = whereClause(filter, null, params, this.pii);
    const [row] = await this.db.$queryRawUnsafe<Array<{ n: number | bigint }>>(
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM payments p JOIN payment_methods pm ON pm.id = p.payment_method_id
         ${where}
         LIMIT ${params.add(limit + 1, "::int")}) matching`,
      ...params.values,
    );
    const n = Number(row?.n ?? 0);
    return n > limit ? { count: limit, capped: true } : { count: n, capped: false };
  }

  /**
   * Every matching payment, newest first, one keyset page at a time (`pageSize` rows per statement), stopping
   * after `maxRows`: what a CSV export streams without holding the result in memory.
   */
  async *walk(
    filter: PaymentSearchFilter,
    options: { maxRows: number; pageSize?: number },
  ): AsyncGenerator<PaymentSearchRow[]> {
    const pageSize = Math.min(
      Math.max(options.pageSize ?? PAYMENT_SEARCH_PAGE_SIZE_MAX, 1),
      PAYMENT_SEARCH_PAGE_SIZE_MAX,
    );
    let remaining = Math.max(Math.trunc(options.maxRows), 0);
    let after: PaymentSearchCursor | null = null;
    while (remaining > 0) {
      const { payments, hasNextPage } = await this.search(filter, {
        first: Math.min(pageSize, remaining),
        after,
      });
      if (payments.length === 0) return;
      yield payments;
      remaining -= payments.length;
      const last = payments.at(-1) as PaymentSearchRow;
      after = { createdAt: last.createdAt, id: last.id };
      if (!hasNextPage) return;
    }
  }
}
