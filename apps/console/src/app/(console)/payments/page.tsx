// Payments across merchants. The filter form is a plain GET form: the URL keeps every filter, so a filtered
// list can be bookmarked and shared, and paging keeps the filters.
import { PAYMENT_STATUSES } from "@paycore/core/payments/payment-state-machine";
import { TRPCError } from "@trpc/server";
import Link from "next/link";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { Amount, DateTime, Status } from "../format";

export const dynamic = "force-dynamic";

type SearchParams = Record<string, string | string[] | undefined>;

const FILTER_KEYS = ["q", "merchant", "currency", "min", "max", "from", "to"] as const;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

function many(params: SearchParams, key: string): string[] {
  const value = params[key];
  return (Array.isArray(value) ? value : value ? [value] : []).filter(Boolean);
}

export default async function PaymentsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const statuses = many(params, "status").filter((status): status is (typeof PAYMENT_STATUSES)[number] =>
    (PAYMENT_STATUSES as readonly string[]).includes(status),
  );
  const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, one(params, key)])) as Record<
    (typeof FILTER_KEYS)[number],
    string
  >;
  const caller = await serverCaller();
  const merchants = await caller.payments.merchants().catch(handleProcedureError);
  let list: Awaited<ReturnType<typeof caller.payments.list>> | null = null;
  let problem: string | null = null;
  try {
    list = await caller.payments.list({
      statuses,
      merchantId: filters.merchant || null,
      currency: filters.currency.toUpperCase() || null,
      amountMin: filters.min || null,
      amountMax: filters.max || null,
      createdFrom: filters.from || null,
      createdTo: filters.to || null,
      search: filters.q || null,
      after: one(params, "after") || null,
    });
  } catch (error) {
    if (error instanceof TRPCError && error.code === "BAD_REQUEST") problem = error.message;
    else await handleProcedureError(error);
  }

  const query = new URLSearchParams();
  for (const status of statuses) query.append("status", status);
  for (const key of FILTER_KEYS) if (filters[key]) query.set(key, filters[key]);
  const firstPage = `/payments${query.size > 0 ? `?${query}` : ""}`;
  const nextPage = list?.nextCursor
    ? `/payments?${new URLSearchParams([...query, ["after", list.nextCursor]])}`
    : null;

  return (
    <>
      <h1>Payments</h1>
      <section className="card" aria-labelledby="filters-heading">
        <h2 id="filters-heading">Filters</h2>
        <form className="filters" method="get" action="/payments">
          <label className="field">
            Search
            <input
              name="q"
              type="search"
              defaultValue={filters.q}
              placeholder="pay_…, PSP reference, last 4, email"
              size={34}
            />
          </label>
          <label className="field">
            Status
            <select name="status" multiple defaultValue={statuses}>
              {PAYMENT_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status.replace(/_/g, " ").toLowerCase()}
                </option>
              ))}
            </select>
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
          <div className="row">
            <button type="submit">Apply</button>
            <Link className="button secondary" href="/payments">
              Clear
            </Link>
          </div>
        </form>
      </section>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
      {list ? (
        <section aria-label="Payments">
          <table>
            <thead>
              <tr>
                <th scope="col">Payment</th>
                <th scope="col">Created</th>
                <th scope="col">Merchant</th>
                <th scope="col">Status</th>
                <th scope="col" className="amount">
                  Amount
                </th>
                <th scope="col" className="amount">
                  Refunded
                </th>
                <th scope="col">Card</th>
                <th scope="col">Customer</th>
                <th scope="col">PSP reference</th>
              </tr>
            </thead>
            <tbody>
              {list.payments.map((payment) => (
                <tr key={payment.id}>
                  <td className="mono">
                    <Link href={`/payments/${payment.id}`}>{payment.id}</Link>
                    {payment.mode === "TEST" ? <span className="muted"> test</span> : null}
                  </td>
                  <td className="nowrap">
                    <DateTime iso={payment.createdAt} />
                  </td>
                  <td>{payment.merchantName}</td>
                  <td>
                    <Status status={payment.status} />
                  </td>
                  <td className="amount">
                    <Amount minor={payment.amountMinor} currency={payment.currency} />
                  </td>
                  <td className="amount">
                    {payment.amountRefundedMinor === "0" ? (
                      <span className="muted">—</span>
                    ) : (
                      <Amount minor={payment.amountRefundedMinor} currency={payment.currency} />
                    )}
                  </td>
                  <td className="nowrap">
                    {payment.cardBrand} ···· {payment.cardLast4}
                  </td>
                  <td>{payment.customerEmail ?? <span className="muted">—</span>}</td>
                  <td className="mono">
                    {payment.pspReference ? `${payment.pspName}: ${payment.pspReference}` : "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.payments.length === 0 ? <p className="muted">No payments match these filters.</p> : null}
          <nav className="pager" aria-label="Pages">
            {one(params, "after") ? <Link href={firstPage}>First page</Link> : null}
            {nextPage ? <Link href={nextPage}>Next page</Link> : null}
          </nav>
        </section>
      ) : null}
    </>
  );
}
