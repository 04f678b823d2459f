// Payments across merchants. The filter form is a plain GET form: the URL keeps every filter, so a filtered
// list can be bookmarked and shared, paging keeps the filters, and the export link is the same URL plus
// "/export". Statuses are chips (checkboxes); the filters in force show as removable chips above the list.
import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { failureReasonText } from "../../../lib/failure-reason";
import { activeFilters } from "../../../lib/filter-chips";
import {
  one,
  type PaymentFilterKey,
  paymentListInput,
  paymentListQuery,
  paymentListSearch,
  readerOf,
  type SearchParams,
} from "../../../lib/list-params";
import { CSV_EXPORT_MAX_ROWS } from "../../../server/export/export-limits";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { FilterChips } from "../filter-chips";
import { Amount, DateTime, Status } from "../format";
import { ResultCount } from "../result-count";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Payments" };

const FILTER_LABELS: Record<PaymentFilterKey, string> = {
  q: "Search",
  merchant: "Merchant",
  currency: "Currency",
  min: "Amount from",
  max: "Amount to",
  from: "Created from",
  to: "Created to",
};

const statusText = (status: string) => status.replace(/_/g, " ").toLowerCase();

export default async function PaymentsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const read = readerOf(await searchParams);
  const query = paymentListQuery(read);
  const { statuses, filters } = query;
  const caller = await serverCaller();
  const merchants = await caller.payments.merchants().catch(handleProcedureError);
  let list: Awaited<ReturnType<typeof caller.payments.list>> | null = null;
  let problem: string | null = null;
  try {
    list = await caller.payments.list({ ...paymentListInput(query), after: query.after || null });
  } catch (error) {
    if (error instanceof TRPCError && error.code === "BAD_REQUEST") problem = error.message;
    else await handleProcedureError(error);
  }

  const search = paymentListSearch(query);
  const firstPage = `/payments${search.size > 0 ? `?${search}` : ""}`;
  const exportHref = `/payments/export${search.size > 0 ? `?${search}` : ""}`;
  const nextPage = list?.nextCursor
    ? `/payments?${new URLSearchParams([...search, ["after", list.nextCursor]])}`
    : null;
  const merchantName = new Map(merchants.map((merchant) => [merchant.id as string, merchant.name]));
  const chips = activeFilters("/payments", search, (key, value) => {
    if (key === "status") return `Status: ${statusText(value)}`;
    if (key === "merchant") return `Merchant: ${merchantName.get(value) ?? value}`;
    const label = FILTER_LABELS[key as PaymentFilterKey];
    return label ? `${label}: ${value}` : null;
  });

  return (
    <>
      <h1>Payments</h1>
      <section className="card" aria-labelledby="filters-heading">
        <h2 id="filters-heading">Filters</h2>
        {/* Keyed by the filters: after a chip removes one (a client-side navigation), the form shows the new ones. */}
        <form key={search.toString()} className="filters" method="get" action="/payments">
          <label className="field">
            Search
            <input
              name="q"
              type="search"
              defaultValue={filters.q}
              placeholder="pay_…, PSP reference, last 4, email, description, metadata"
              size={34}
              maxLength={320}
            />
          </label>
          <label className="field">
            Merchant
            <select name="merchant" defaultValue={filters.merchant}>
              <option value="">All merchants</option>
              {merchants.map((merchant) => (
                <option key={merchant.id} value={merchant.id}>
                  {merchant.name} ({merchant.id.slice(-6)})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Currency
            <input name="currency" defaultValue={filters.currency} placeholder="USD" size={5} maxLength={3} />
          </label>
          <label className="field">
            Amount from
            <input name="min" inputMode="decimal" defaultValue={filters.min} placeholder="0.00" size={9} />
          </label>
          <label className="field">
            Amount to
            <input name="max" inputMode="decimal" defaultValue={filters.max} placeholder="999.99" size={9} />
          </label>
          <label className="field">
            Created from
            <input name="from" type="date" defaultValue={filters.from} />
          </label>
          <label className="field">
            Created to
            <input name="to" type="date" defaultValue={filters.to} />
          </label>
          <fieldset className="chips">
            <legend>Status</legend>
            {PAYMENT_STATUSES.map((status) => (
              <label key={status} className="chip">
                <input
                  type="checkbox"
                  name="status"
                  value={status}
                  defaultChecked={statuses.includes(status)}
                />
                {statusText(status)}
              </label>
            ))}
          </fieldset>
          <div className="row">
            <button type="submit">Apply</button>
            <Link className="button secondary" href="/payments">
              Clear
            </Link>
          </div>
        </form>
      </section>
      <FilterChips filters={chips} clearHref="/payments" />
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
      {list ? (
        <section aria-label="Payments">
          <div className="list-header">
            <ResultCount
              count={list.count}
              capped={list.countCapped}
              singular="payment matches"
              plural="payments match"
              qualifier={chips.length > 0 ? " these filters" : ""}
            />
            <p>
              <a href={exportHref} download>
                Export CSV
              </a>{" "}
              <span className="muted small">(up to {CSV_EXPORT_MAX_ROWS.toLocaleString("en-US")} rows)</span>
            </p>
          </div>
          {/* No rows: the count above says so once; an empty table's headings under it read as a broken page. */}
          {list.payments.length === 0 ? (
            <p className="muted">
              {chips.length > 0
                ? "Remove a filter above to see more payments."
                : "No payment has been made yet."}
            </p>
          ) : (
            <table className="payments responsive" data-testid="payments-table">
              <thead>
                <tr>
                  <th scope="col">Payment</th>
                  <th scope="col">Merchant and customer</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="amount">
                    Amount
                  </th>
                  <th scope="col">Card and PSP</th>
                </tr>
              </thead>
              <tbody>
                {list.payments.map((payment) => {
                  const reason = failureReasonText(payment.failureCode);
                  return (
                    <tr key={payment.id}>
                      <td data-label="Payment">
                        <Link className="mono truncate" href={`/payments/${payment.id}`} title={payment.id}>
                          {payment.id}
                        </Link>
                        <span className="muted small">
                          <DateTime iso={payment.createdAt} />
                          {payment.mode === "TEST" ? " · test" : ""}
                        </span>
                      </td>
                      <td className="who" data-label="Merchant and customer">
                        <span className="truncate">{payment.merchantName}</span>
                        <span className="truncate muted small" title={payment.customerEmail ?? undefined}>
                          {payment.customerEmail ?? "no email"}
                        </span>
                        {payment.description ? (
                          <span className="truncate muted small" title={payment.description}>
                            {payment.description}
                          </span>
                        ) : null}
                      </td>
                      <td data-label="Status">
                        <Status status={payment.status} />
                        {reason ? (
                          <span className="reason" title={payment.failureMessage ?? undefined}>
                            {reason}
                          </span>
                        ) : null}
                      </td>
                      <td className="amount" data-label="Amount">
                        <Amount minor={payment.amountMinor} currency={payment.currency} />
                        {payment.amountRefundedMinor === "0" ? null : (
                          <span className="muted small">
                            <br />
                            refunded{" "}
                            <Amount minor={payment.amountRefundedMinor} currency={payment.currency} />
                          </span>
                        )}
                      </td>
                      <td data-label="Card and PSP">
                        <span className="nowrap">
                          {payment.cardBrand} ···· {payment.cardLast4}
                        </span>
                        <span className="truncate mono muted small" title={payment.pspReference ?? undefined}>
                          {payment.pspReference ? `${payment.pspName}: ${payment.pspReference}` : "—"}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <nav className="pager" aria-label="Pages">
            {one(read, "after") ? <Link href={firstPage}>First page</Link> : null}
            {nextPage ? <Link href={nextPage}>Next page</Link> : null}
          </nav>
        </section>
      ) : null}
    </>
  );
}
