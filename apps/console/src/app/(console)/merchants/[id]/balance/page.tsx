// A merchant's balance and payouts in one mode: available, pending and reserved per currency, the latest balance
// transactions, the payouts (operators retry a failed one), pausing or resuming its payouts, its automatic payout
// schedules (operators set them) and its reserves (admins set them).
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../../trpc/server";
import { Amount, DateTime } from "../../../format";
import { PausePayoutsForm, RetryPayoutButton } from "./payout-actions";
import { PayoutScheduleForm, ReserveForm } from "./schedule-reserve-forms";

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function scheduleText(s: {
  interval: string;
  weeklyAnchor: number;
  monthlyAnchor: number;
  delayDays: number;
}) {
  if (s.interval === "MANUAL") return "off (manual payouts only)";
  const when =
    s.interval === "WEEKLY"
      ? `weekly on ${WEEKDAYS[s.weeklyAnchor - 1] ?? "Monday"}`
      : s.interval === "MONTHLY"
        ? `monthly on day ${s.monthlyAnchor}`
        : "daily";
  return s.delayDays > 0 ? `${when}, ${s.delayDays} day${s.delayDays === 1 ? "" : "s"} later` : when;
}

export const dynamic = "force-dynamic";
/** Each merchant's balance page has its own title (two tabs on two merchants' balances are told apart). */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Balance and payouts of ${id.slice(0, 64)}` };
}

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
  const isAdmin = me.role === "ADMIN";
  const firstCurrency = overview.balances[0]?.currency ?? "EUR";
  const schedule = overview.schedules[0];
  const reserve = overview.reserves[0];
  const merchantPath = `/merchants/${encodeURIComponent(overview.merchant.id)}`;
  return (
    <>
      <p className="break">
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
            <table className="responsive">
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
                    <td data-label="Currency">{b.currency}</td>
                    <td data-label="Available" className="amount">
                      <Amount minor={b.availableMinor} currency={b.currency} />
                    </td>
                    <td data-label="Pending" className="amount">
                      <Amount minor={b.pendingMinor} currency={b.currency} />
                    </td>
                    <td data-label="Reserved" className="amount">
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
      <section className="card" aria-labelledby="schedules-heading">
        <h2 id="schedules-heading">Payout schedules</h2>
        {overview.schedules.length === 0 ? (
          <p className="muted">No automatic payouts: the merchant pays out by hand.</p>
        ) : (
          <div className="scroll-x">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col">Runs</th>
                  <th scope="col" className="amount">
                    Minimum
                  </th>
                  <th scope="col">Next run</th>
                </tr>
              </thead>
              <tbody>
                {overview.schedules.map((s) => (
                  <tr key={s.currency}>
                    <td data-label="Currency">{s.currency}</td>
                    <td data-label="Runs">{scheduleText(s)}</td>
                    <td data-label="Minimum" className="amount">
                      <Amount minor={s.minimumMinor} currency={s.currency} />
                    </td>
                    <td data-label="Next run">
                      {s.nextRunAt === null ? "Off" : <DateTime iso={s.nextRunAt} />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canAct ? (
          <PayoutScheduleForm
            merchantId={overview.merchant.id}
            mode={mode}
            initial={{
              currency: schedule?.currency ?? firstCurrency,
              interval:
                (schedule?.interval as "DAILY" | "WEEKLY" | "MONTHLY" | "MANUAL" | undefined) ?? "DAILY",
              weeklyAnchor: schedule?.weeklyAnchor ?? 1,
              monthlyAnchor: schedule?.monthlyAnchor ?? 1,
              delayDays: schedule?.delayDays ?? 0,
              minimumMinor: schedule?.minimumMinor ?? "0",
            }}
          />
        ) : null}
      </section>
      <section className="card" aria-labelledby="reserves-heading">
        <h2 id="reserves-heading">Reserves</h2>
        {overview.reserves.length === 0 ? (
          <p className="muted">No reserve: every released capture is available at once.</p>
        ) : (
          <div className="scroll-x">
            <table className="responsive">
              <thead>
                <tr>
                  <th scope="col">Currency</th>
                  <th scope="col">Rolling</th>
                  <th scope="col" className="amount">
                    Fixed
                  </th>
                </tr>
              </thead>
              <tbody>
                {overview.reserves.map((r) => (
                  <tr key={r.currency}>
                    <td data-label="Currency">{r.currency}</td>
                    <td data-label="Rolling">
                      {r.rollingBps > 0
                        ? `${(r.rollingBps / 100).toFixed(2)}% for ${r.rollingDays} day${r.rollingDays === 1 ? "" : "s"}`
                        : "none"}
                    </td>
                    <td data-label="Fixed" className="amount">
                      <Amount minor={r.fixedMinor} currency={r.currency} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {isAdmin ? (
          <ReserveForm
            merchantId={overview.merchant.id}
            mode={mode}
            initial={{
              currency: reserve?.currency ?? firstCurrency,
              rollingBps: reserve?.rollingBps ?? 0,
              rollingDays: reserve?.rollingDays ?? 0,
              fixedMinor: reserve?.fixedMinor ?? "0",
            }}
          />
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
