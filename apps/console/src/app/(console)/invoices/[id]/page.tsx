// One invoice: its lines with their tax, the totals per tax rate, its state and timeline, links to its hosted
// page and PDF, and (operators and admins) void or mark uncollectible, each confirmed first.
import type { Metadata } from "next";
import Link from "next/link";
import { Fragment } from "react";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DataTable } from "../../data-table";
import { Amount, DateTime, Day, Status } from "../../format";
import { InvoiceActions } from "./invoice-actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Invoice" };

function rate(bps: number | null): string {
  if (bps === null) return "—";
  return `${Math.trunc(bps / 100)}.${String(bps % 100).padStart(2, "0")}%`;
}

export default async function InvoicePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const me = await requireOperator();
  const invoice = await (await serverCaller()).invoices.detail({ id }).catch(handleProcedureError);
  const currency = invoice.currency;
  const canVoid = invoice.status === "OPEN" || invoice.status === "UNCOLLECTIBLE";
  const canWriteOff = invoice.status === "OPEN";
  return (
    <>
      <p>
        <Link href="/invoices">← Invoices</Link>
      </p>
      <h1>
        {invoice.number ? `Invoice #${invoice.number}` : "Draft invoice"} <Status status={invoice.status} />
      </h1>
      <div className="grid">
        <section className="card" aria-labelledby="facts-heading">
          <h2 id="facts-heading">Invoice</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd className="mono">{invoice.id}</dd>
            <dt>Merchant</dt>
            <dd>
              <Link href={`/merchants/${encodeURIComponent(invoice.merchantId)}`}>
                {invoice.merchantName}
              </Link>{" "}
              ({invoice.mode.toLowerCase()})
            </dd>
            <dt>Customer</dt>
            <dd>{invoice.customerEmail ?? "—"}</dd>
            <dt>Due</dt>
            <dd data-testid="invoice-due">{invoice.dueDate ? <Day day={invoice.dueDate} /> : "—"}</dd>
            <dt>Created</dt>
            <dd>
              <DateTime iso={invoice.createdAt} />
            </dd>
            {invoice.paymentId ? (
              <>
                <dt>Paid by</dt>
                <dd>
                  <Link className="mono" href={`/payments/${encodeURIComponent(invoice.paymentId)}`}>
                    {invoice.paymentId}
                  </Link>
                </dd>
              </>
            ) : null}
            {invoice.links ? (
              <>
                <dt>Documents</dt>
                <dd>
                  <a href={invoice.links.pageUrl}>Hosted page</a> · <a href={invoice.links.pdfUrl}>PDF</a>
                </dd>
              </>
            ) : null}
          </dl>
          {invoice.memo ? <p>{invoice.memo}</p> : null}
        </section>
        {me.role !== "VIEWER" && (canVoid || canWriteOff) ? (
          <section className="card" aria-labelledby="actions-heading">
            <h2 id="actions-heading">Actions</h2>
            <InvoiceActions invoiceId={invoice.id} canVoid={canVoid} canWriteOff={canWriteOff} />
          </section>
        ) : null}
      </div>
      <section className="card" aria-labelledby="lines-heading">
        <h2 id="lines-heading">Lines</h2>
        <DataTable
          rows={invoice.lines}
          rowKey={(line) => line.id}
          columns={[
            { label: "Description", cell: (line) => line.description },
            { label: "Qty", amount: true, cell: (line) => line.quantity },
            {
              label: "Unit",
              amount: true,
              cell: (line) => <Amount minor={line.unitAmount} currency={currency} />,
            },
            {
              label: "Tax rate",
              cell: (line) =>
                `${rate(line.taxRateBps)} ${line.taxRateBps === null ? "" : line.taxBehavior.toLowerCase()}`,
            },
            { label: "Net", amount: true, cell: (line) => <Amount minor={line.net} currency={currency} /> },
            { label: "Tax", amount: true, cell: (line) => <Amount minor={line.tax} currency={currency} /> },
            {
              label: "Gross",
              amount: true,
              cell: (line) => <Amount minor={line.gross} currency={currency} />,
            },
          ]}
        />
        <dl className="facts figures totals">
          <dt>Subtotal</dt>
          <dd>
            <Amount minor={invoice.net} currency={currency} />
          </dd>
          {invoice.taxLines.map((tax) => (
            <Fragment key={tax.label}>
              <dt>{tax.label}</dt>
              <dd>
                <Amount minor={tax.amount} currency={currency} />
              </dd>
            </Fragment>
          ))}
          <dt>Total</dt>
          <dd data-testid="invoice-total">
            <strong>
              <Amount minor={invoice.total} currency={currency} />
            </strong>
          </dd>
        </dl>
      </section>
      <section className="card" aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Timeline</h2>
        <ol className="timeline">
          {invoice.timeline.map((event) => (
            // One element per timeline column (time, kind, what happened): bare text became its own grid cell
            // and "invoice.created" broke mid-word in the narrow kind column.
            <li key={event.id}>
              <DateTime iso={event.at} />
              <span className="kind">{event.source.toLowerCase()}</span>
              <div>
                {event.type}
                {event.from && event.from !== event.to
                  ? ` (${event.from.toLowerCase()} → ${event.to.toLowerCase()})`
                  : ""}
                <span className="muted">
                  {" "}
                  by {event.source.toLowerCase()}
                  {event.actor ? ` ${event.actor}` : ""}
                </span>
              </div>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
