// The reconciliation queue: items filtered by status (open by default), category, PSP, age and amount, oldest
// first, with counts per category and a CSV export of the same filter. The filter form is a plain GET form, so
// the URL keeps the filters (bookmarkable, paging and the export keep them).
import { RECON_CATEGORIES } from "@paycore/core/reconciliation/matching";
import { SETTLEMENT_PSPS } from "@paycore/core/reconciliation/settlement-line";
import { RECON_ITEM_STATUSES } from "@paycore/db/repositories/reconciliation.repository";
import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, serverCaller } from "../../../../trpc/server";
import { Amount, DateTime, Status } from "../../format";
import { queueInput, queueQuery, type SearchParams } from "../queue-params";
import { categoryLabel, ReconNav } from "../recon-nav";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reconciliation queue" };

export default async function ReconciliationQueuePage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  const params = await searchParams;
  const { input, form } = queueInput(params);
  const caller = await serverCaller();
  let page: Awaited<ReturnType<typeof caller.reconciliation.items>> | null = null;
  let problem: string | null = null;
  try {
    page = await caller.reconciliation.items(input);
  } catch (error) {
    if (error instanceof TRPCError && error.code === "BAD_REQUEST") problem = error.message;
    else await handleProcedureError(error);
  }
  const query = queueQuery(params);
  const nextPage = page?.nextCursor
    ? `/reconciliation/items?${new URLSearchParams([...query, ["after", page.nextCursor]])}`
    : null;
  const exportHref = `/reconciliation/export${query.size > 0 ? `?${query}` : ""}`;
  const total = page ? Object.values(page.counts).reduce((sum, count) => sum + count, 0) : 0;

  return (
    <>
      <h1>Reconciliation queue</h1>
      <ReconNav current="items" />
      <section className="card" aria-labelledby="recon-filters-heading">
        <h2 id="recon-filters-heading">Filters</h2>
        <form className="filters" method="get" action="/reconciliation/items">
          <label className="field">
            Status
            <select name="status" multiple defaultValue={form.statuses}>
              {RECON_ITEM_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status.toLowerCase()}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Category
            <select name="category" multiple defaultValue={form.categories}>
              {RECON_CATEGORIES.map((category) => (
                <option key={category} value={category}>
                  {categoryLabel(category)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            PSP
            <select name="psp" defaultValue={form.psp}>
              <option value="">All PSPs</option>
              {SETTLEMENT_PSPS.map((psp) => (
                <option key={psp} value={psp}>
                  {psp}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            Older than (days)
            <input name="age" inputMode="numeric" defaultValue={form.age} size={5} maxLength={4} />
          </label>
          <label className="field">
            Currency
            <input name="currency" defaultValue={form.currency} placeholder="EUR" size={5} maxLength={3} />
          </label>
          <label className="field">
            Amount from
            <input name="min" inputMode="decimal" defaultValue={form.min} placeholder="0.00" size={9} />
          </label>
          <label className="field">
            Amount to
            <input name="max" inputMode="decimal" defaultValue={form.max} placeholder="999.99" size={9} />
          </label>
          <div className="row">
            <button type="submit">Apply</button>
            <Link className="button secondary" href="/reconciliation/items">
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
      {page ? (
        <>
          <section aria-labelledby="recon-counts-heading">
            <h2 id="recon-counts-heading">
              {total} item{total === 1 ? "" : "s"} by category
            </h2>
            <ul className="row" data-testid="recon-counts">
              {Object.entries(page.counts).map(([category, count]) => (
                <li key={category}>
                  <Link
                    href={`/reconciliation/items?${new URLSearchParams([...query.entries()].filter(([key]) => key !== "category" && key !== "after").concat([["category", category]]))}`}
                  >
                    {categoryLabel(category)}
                  </Link>{" "}
                  ({count})
                </li>
              ))}
            </ul>
            <p>
              <a className="button secondary" href={exportHref} download>
                Export CSV
              </a>
            </p>
          </section>
          {page.items.length === 0 ? (
            <p className="muted">No item matches these filters.</p>
          ) : (
            <div className="scroll-x">
              <table data-testid="recon-queue" className="responsive">
                <thead>
                  <tr>
                    <th scope="col">Item</th>
                    <th scope="col">Recorded</th>
                    <th scope="col">PSP</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="amount">
                      Amount
                    </th>
                    <th scope="col" className="amount">
                      Difference
                    </th>
                    <th scope="col">Payment</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((item) => (
                    <tr key={item.id} data-testid={`recon-item-${item.id}`}>
                      <td data-label="Item">
                        <Link className="mono" href={`/reconciliation/items/${item.id}`}>
                          {categoryLabel(item.category)}
                        </Link>
                        <div className="muted mono">{item.id}</div>
                      </td>
                      <td data-label="Recorded">
                        <DateTime iso={item.createdAt} />
                      </td>
                      <td data-label="PSP">
                        {item.psp}
                        {item.pspReference ? (
                          <div className="muted mono break">{item.pspReference}</div>
                        ) : null}
                      </td>
                      <td data-label="Status">
                        <Status status={item.status} />
                      </td>
                      <td className="amount" data-label="Amount">
                        {item.grossMinor !== null ? (
                          <Amount minor={item.grossMinor} currency={item.currency} />
                        ) : item.expectedAmountMinor !== null ? (
                          <Amount minor={item.expectedAmountMinor} currency={item.currency} />
                        ) : (
                          "—"
                        )}
                      </td>
                      <td className="amount" data-label="Difference">
                        {item.differenceMinor !== "0" ? (
                          <Amount minor={item.differenceMinor} currency={item.currency} />
                        ) : (
                          "—"
                        )}
                      </td>
                      <td data-label="Payment">
                        {item.paymentId ? (
                          <Link className="mono" href={`/payments/${item.paymentId}`}>
                            {item.paymentId}
                          </Link>
                        ) : (
                          <span className="muted">none</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {nextPage ? (
            <p className="pager">
              <Link href={nextPage}>Next page</Link>
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}
