// A merchant's balance and payouts in one mode: available, pending and reserved per currency, the latest balance
// transactions, the payouts (operators retry a failed one), and pausing or resuming its payouts.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../../trpc/server";
import { Amount, DateTime } from "../../../format";
import { PausePayoutsForm, RetryPayoutButton } from "./payout-actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Balance and payouts · paycore console" };

export default async function MerchantBalancePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const query = await searchParams;
  const mode = query.mode === "LIVE" ? "LIVE" : "TEST";
  const me = await requireOperator();
  const overview = await (await serverCaller()).payouts
    .overview({ merchantId: id, mode })
    .catch(handleProcedureError);
  const canAct = me.role === "ADMIN" || me.role === "OPERATOR";
  const merchantPath = `/merchants/${encodeURIComponent(overview.merchant.id)}`;
  return (
    <>
      <p>
        <Link href={merchantPath}>← {overview.merchant.name}</Link>
      </p>
      <h1>Balance and payouts</h1>
      <p>
        Mode: <strong>{mode.toLowerCase()}</strong> ·{" "}
        <Link href={`${merchantPath}/balance?mode=${mode === "TEST" ? "LIVE" : "TEST"}`}>
          show {mode === "TEST" ? "live" : "test"} mode
        </Link>
      </p>
      <section className="card" aria-labelledby="balance-heading">
        <h2 id="balance-heading">Balance</h2>
        {overview.balances.length === 0 ? (
          <p className="muted">No balance in this mode yet.</p>
        ) : (
          <div className="scroll-x">
            <table>
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col" className="amount">
                    Available
                  </th>
                  <th scope="col" className="amount">
                    Pending
                  </th>
                  <th scope="col" className="amount">
                    Reserved
                  </th>
                </tr>
              </thead>
              <tbody>
                {overview.balances.map((b) => (
                  <tr key={b.currency}>
                    <td>{b.currency}</td>
                    <td className="amount">
                      <Amount minor={b.availableMinor} currency={b.currency} />
                    </td>
                    <td className="amount">
                      <Amount minor={b.pendingMinor} currency={b.currency} />
                    </td>
                    <td className="amount">
                      <Amount minor={b.reservedMinor} currency={b.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="pause-heading">
        <h2 id="pause-heading">Payouts {overview.paused ? "paused" : "active"}</h2>
        <p>
          {overview.paused
            ? "No payout is created or sent to the bank for this merchant in this mode."
            : "Payouts are created and sent to the bank as usual."}
        </p>
        {canAct ? (
          <PausePayoutsForm merchantId={overview.merchant.id} mode={mode} paused={overview.paused} />
        ) : null}
      </section>
      <section className="card" aria-labelledby="payouts-heading">
        <h2 id="payouts-heading">Payouts</h2>
        {overview.payouts.length === 0 ? (
          <p className="muted">No payouts yet.</p>
        ) : (
          <div className="scroll-x">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Payout</th>
                  <th scope="col">Status</th>
                  <th scope="col">Method</th>
                  <th scope="col" className="amount">
                    Amount
                  </th>
                  <th scope="col">Failure</th>
                  {canAct ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {overview.payouts.map((p) => (
                  <tr key={p.id}>
                    <td data-label="Created">
                      <DateTime iso={p.createdAt} />
                    </td>
                    <td data-label="Payout" className="mono">
                      {p.id}
                    </td>
                    <td data-label="Status">{p.status.toLowerCase()}</td>
                    <td data-label="Method">{p.method.toLowerCase()}</td>
                    <td data-label="Amount" className="amount">
                      <Amount minor={p.amountMinor} currency={p.currency} />
                    </td>
                    <td data-label="Failure">{p.failureCode ?? ""}</td>
                    {canAct ? (
                      <td>
                        {p.status === "FAILED" ? (
                          <RetryPayoutButton merchantId={overview.merchant.id} mode={mode} payoutId={p.id} />
                        ) : null}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="transactions-heading">
        <h2 id="transactions-heading">Balance transactions</h2>
        {overview.transactions.length === 0 ? (
          <p className="muted">No movements yet.</p>
        ) : (
          <div className="scroll-x">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Created</th>
                  <th scope="col">Type</th>
                  <th scope="col" className="amount">
                    Amount
                  </th>
                  <th scope="col" className="amount">
                    Fee
                  </th>
                  <th scope="col" className="amount">
                    Net
                  </th>
                  <th scope="col">Available on</th>
                  <th scope="col">Source</th>
                </tr>
              </thead>
              <tbody>
                {overview.transactions.map((row) => (
                  <tr key={row.id}>
                    <td data-label="Created">
                      <DateTime iso={row.createdAt} />
                    </td>
                    <td data-label="Type">{row.type}</td>
                    <td data-label="Amount" className="amount">
                      <Amount minor={row.amountMinor} currency={row.currency} />
                    </td>
                    <td data-label="Fee" className="amount">
                      <Amount minor={row.feeMinor} currency={row.currency} />
                    </td>
                    <td data-label="Net" className="amount">
                      <Amount minor={row.netMinor} currency={row.currency} />
                    </td>
                    <td data-label="Available on">
                      <DateTime iso={row.availableOn} />
                    </td>
                    <td data-label="Source" className="mono">
                      {row.sourceId ?? ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
