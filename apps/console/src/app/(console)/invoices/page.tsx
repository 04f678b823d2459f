// Invoices across merchants: filter by merchant, mode and status (a plain GET form, so the URL keeps the
// filters), with the count per status under the merchant and mode filter; the filtered list exports as CSV.
import { INVOICE_STATUSES } from "@paycore/core/invoices/invoice-state-machine";
import type { Metadata } from "next";
import Link from "next/link";
import { CSV_EXPORT_MAX_ROWS } from "../../../server/export/export-limits";
import { handleProcedureError, serverCaller } from "../../../trpc/server";
import { Amount, DateTime, Day, Status } from "../format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Invoices" };

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return ((Array.isArray(value) ? value[0] : value) ?? "").trim().slice(0, 64);
}

type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export default async function InvoicesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const statusParam = one(params, "status");
  const status = (INVOICE_STATUSES as readonly string[]).includes(statusParam)
    ? (statusParam as InvoiceStatus)
    : null;
  const modeParam = one(params, "mode");
  const mode = modeParam === "TEST" || modeParam === "LIVE" ? modeParam : null;
  const merchant = one(params, "merchant");
  const before = one(params, "before");
  const caller = await serverCaller();
  const merchants = await caller.payments.merchants().catch(handleProcedureError);
  const list = await caller.invoices
    .list({
      merchantId: merchant || null,
      mode,
      status,
      before: /^in_[0-9A-Z]{26}$/.test(before) ? before : null,
    })
    .catch(handleProcedureError);
  const query = new URLSearchParams();
  if (merchant) query.set("merchant", merchant);
  if (mode) query.set("mode", mode);
  const withStatus = (value: string | null) => {
    const next = new URLSearchParams(query);
    if (value) next.set("status", value);
    return `/invoices${next.size > 0 ? `?${next}` : ""}`;
  };
  const nextPage = list.nextBefore
    ? `/invoices?${new URLSearchParams([...query, ...(status ? [["status", status]] : []), ["before", list.nextBefore]])}`
    : null;
  const exportQuery = new URLSearchParams(query);
  if (status) exportQuery.set("status", status);
  const exportHref = `/invoices/export${exportQuery.size > 0 ? `?${exportQuery}` : ""}`;
  const total = Object.values(list.counts).reduce((sum, n) => sum + n, 0);
  return (
    <>
      <h1>Invoices</h1>
      <section className="card" aria-labelledby="filters-heading">
        <h2 id="filters-heading">Filters</h2>
        <form className="filters" method="get" action="/invoices">
          <label className="field">
            Merchant
            <select name="merchant" defaultValue={merchant}>
              <option value="">All merchants</option>
              {merchants.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.id.slice(-6)})
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Mode
            <select name="mode" defaultValue={mode ?? ""}>
              <option value="">Both</option>
              <option value="TEST">test</option>
              <option value="LIVE">live</option>
            </select>
          </label>
          <label className="field">
            Status
            <select name="status" defaultValue={status ?? ""}>
              <option value="">Any</option>
              {INVOICE_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {value.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
          <div className="row">
            <button type="submit">Apply</button>
            <Link className="button secondary" href="/invoices">
              Clear
            </Link>
          </div>
        </form>
      </section>
      <nav aria-label="Invoice counts by status" className="row">
        <Link href={withStatus(null)} aria-current={status === null ? "page" : undefined}>
          All <span data-testid="count-ALL">{total}</span>
        </Link>
        {INVOICE_STATUSES.map((value) => (
          <Link key={value} href={withStatus(value)} aria-current={status === value ? "page" : undefined}>
            {value.toLowerCase()} <span data-testid={`count-${value}`}>{list.counts[value] ?? 0}</span>
          </Link>
        ))}
      </nav>
      <p>
        <a href={exportHref} download>
          Export CSV
        </a>{" "}
        <span className="muted small">(up to {CSV_EXPORT_MAX_ROWS.toLocaleString("en-US")} rows)</span>
      </p>
      <section aria-label="Invoices">
        {list.invoices.length === 0 ? (
          <p className="muted">No invoice matches.</p>
        ) : (
          <div className="scroll-x">
            <table className="responsive" data-testid="invoices-list">
              <thead>
                <tr>
                  <th scope="col">Invoice</th>
                  <th scope="col">Number</th>
                  <th scope="col">Created</th>
                  <th scope="col">Merchant</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="amount">
                    Total
                  </th>
                  <th scope="col">Customer</th>
                  <th scope="col">Due</th>
                </tr>
              </thead>
              <tbody>
                {list.invoices.map((invoice) => (
                  <tr key={invoice.id}>
                    <td data-label="Invoice">
                      <Link className="mono" href={`/invoices/${invoice.id}`}>
                        {invoice.id}
                      </Link>
                    </td>
                    <td data-label="Number">{invoice.number ?? "—"}</td>
                    <td data-label="Created">
                      <DateTime iso={invoice.createdAt} />
                    </td>
                    <td data-label="Merchant">
                      {invoice.merchantName} <span className="muted">({invoice.mode.toLowerCase()})</span>
                    </td>
                    <td data-label="Status">
                      <Status status={invoice.status} />
                    </td>
                    <td className="amount" data-label="Total">
                      <Amount minor={invoice.total} currency={invoice.currency} />
                    </td>
                    <td data-label="Customer">{invoice.customerEmail ?? ""}</td>
                    <td data-label="Due">{invoice.dueDate ? <Day day={invoice.dueDate} /> : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {nextPage ? (
          <p>
            <Link href={nextPage}>Older invoices →</Link>
          </p>
        ) : null}
      </section>
    </>
  );
}
