// A merchant's balance and payouts in one mode: available, pending and reserved per currency, the latest balance
// transactions, the payouts (operators retry a failed one), pausing or resuming its payouts, its automatic payout
// schedules (operators set them) and its reserves (admins set them).
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../../trpc/server";
import { DataTable } from "../../../data-table";
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
        <DataTable
          rows={overview.balances}
          rowKey={(b) => b.currency}
          empty="No balance in this mode yet."
          columns={[
            { label: "Currency", nowrap: true, cell: (b) => b.currency },
            {
              label: "Available",
              amount: true,
              cell: (b) => <Amount minor={b.availableMinor} currency={b.currency} />,
            },
            {
              label: "Pending",
              amount: true,
              cell: (b) => <Amount minor={b.pendingMinor} currency={b.currency} />,
            },
            {
              label: "Reserved",
              amount: true,
              cell: (b) => <Amount minor={b.reservedMinor} currency={b.currency} />,
            },
          ]}
        />
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
        <DataTable
          rows={overview.schedules}
          rowKey={(s) => s.currency}
          empty="No automatic payouts: the merchant pays out by hand."
          columns={[
            { label: "Currency", nowrap: true, cell: (s) => s.currency },
            { label: "Runs", cell: scheduleText },
            {
              label: "Minimum",
              amount: true,
              cell: (s) => <Amount minor={s.minimumMinor} currency={s.currency} />,
            },
            {
              label: "Next run",
              cell: (s) => (s.nextRunAt === null ? "Off" : <DateTime iso={s.nextRunAt} />),
            },
          ]}
        />
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
        <DataTable
          rows={overview.reserves}
          rowKey={(r) => r.currency}
          empty="No reserve: every released capture is available at once."
          columns={[
            { label: "Currency", nowrap: true, cell: (r) => r.currency },
            {
              label: "Rolling",
              cell: (r) =>
                r.rollingBps > 0
                  ? `${(r.rollingBps / 100).toFixed(2)}% for ${r.rollingDays} day${r.rollingDays === 1 ? "" : "s"}`
                  : "none",
            },
            {
              label: "Fixed",
              amount: true,
              cell: (r) => <Amount minor={r.fixedMinor} currency={r.currency} />,
            },
          ]}
        />
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
        <DataTable
          rows={overview.payouts}
          rowKey={(p) => p.id}
          empty="No payouts yet."
          columns={[
            { label: "Created", cell: (p) => <DateTime iso={p.createdAt} /> },
            { label: "Payout", cellClass: "mono", cell: (p) => p.id },
            { label: "Status", cell: (p) => p.status.toLowerCase() },
            { label: "Method", cell: (p) => p.method.toLowerCase() },
            {
              label: "Amount",
              amount: true,
              cell: (p) => <Amount minor={p.amountMinor} currency={p.currency} />,
            },
            { label: "Failure", cell: (p) => p.failureCode ?? "" },
            canAct && {
              label: "Actions",
              unlabelled: true,
              cell: (p) =>
                p.status === "FAILED" ? (
                  <RetryPayoutButton merchantId={overview.merchant.id} mode={mode} payoutId={p.id} />
                ) : null,
            },
          ]}
        />
      </section>
      <section className="card" aria-labelledby="transactions-heading">
        <h2 id="transactions-heading">Balance transactions</h2>
        <DataTable
          rows={overview.transactions}
          rowKey={(row) => row.id}
          empty="No movements yet."
          columns={[
            { label: "Created", cell: (row) => <DateTime iso={row.createdAt} /> },
            { label: "Type", cell: (row) => row.type },
            {
              label: "Amount",
              amount: true,
              cell: (row) => <Amount minor={row.amountMinor} currency={row.currency} />,
            },
            {
              label: "Fee",
              amount: true,
              cell: (row) => <Amount minor={row.feeMinor} currency={row.currency} />,
            },
            {
              label: "Net",
              amount: true,
              cell: (row) => <Amount minor={row.netMinor} currency={row.currency} />,
            },
            { label: "Available on", cell: (row) => <DateTime iso={row.availableOn} /> },
            { label: "Source", cellClass: "mono", cell: (row) => row.sourceId ?? "" },
          ]}
        />
      </section>
    </>
  );
}
