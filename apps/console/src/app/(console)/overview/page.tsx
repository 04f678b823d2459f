// The overview: what needs an operator now, and the last 14 days in four charts.

import { exponentOf } from "@paycore/core/money/currency";
import type { Metadata } from "next";
import Link from "next/link";
import { formatAmount } from "../../../lib/money";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime, dayText } from "../format";
import { LineChart } from "./line-chart";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Overview" };

const percent = (value: number) => `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;
const whole = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

export default async function OverviewPage() {
  const caller = await serverCaller();
  const me = await requireOperator();
  const [summary, throttled, pspAccounts] = await Promise.all([
    caller.overview.summary(),
    me.role === "ADMIN" ? caller.auth.throttledAccounts() : Promise.resolve(null),
    me.role === "ADMIN" ? caller.pspAccounts.list() : Promise.resolve(null),
  ]).catch(handleProcedureError);
  // Live accounts a PSP refused (or a connection test failed on): live payments to that PSP fail until fixed.
  const pspAlerts = (pspAccounts ?? []).filter((a) => a.status === "ACTIVE" && a.lastCheckOk === false);
  const { days } = summary;
  // One card per needs-attention source (server/needs-attention.ts), each linking to its list.
  const cards = summary.needsAttention;
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="attention-heading">
        <h2 id="attention-heading">Needs attention</h2>
        <ul className="attention">
          {cards.map((card) => (
            <li key={card.id} className={`card${card.count > 0 ? " attention-on" : ""}`}>
              <span className="attention-count" data-testid={`attention-${card.label}`}>
                {card.count}
              </span>
              <span>
                <Link href={card.href}>{card.label}</Link>
              </span>
            </li>
          ))}
        </ul>
        {pspAccounts !== null && pspAlerts.length > 0 ? (
          <section aria-labelledby="psp-alert-heading" className="card attention-on" data-testid="psp-alerts">
            <h3 id="psp-alert-heading">PSP credentials refused</h3>
            <ul>
              {pspAlerts.map((account) => (
                <li key={account.id}>
                  <Link href="/psp-accounts">{account.psp}</Link>:{" "}
                  {account.lastError ?? "the last check failed"}
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {throttled !== null ? (
          <section
            aria-labelledby="throttled-heading"
            className={throttled.length > 0 ? "card attention-on" : "card"}
          >
            <h3 id="throttled-heading">Sign-ins being throttled</h3>
            {throttled.length === 0 ? (
              <p className="muted">No operator account is being throttled.</p>
            ) : (
              <div className="scroll-x">
                <table data-testid="throttled-accounts">
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">From</th>
                      <th scope="col">Failures</th>
                      <th scope="col">Last failure</th>
                      <th scope="col">Blocked until</th>
                    </tr>
                  </thead>
                  <tbody>
                    {throttled.map((row) => (
                      <tr key={`${row.operatorId}-${row.ip}`}>
                        <td>{row.email}</td>
                        <td className="mono">{row.ip}</td>
                        <td>{row.failures}</td>
                        <td>
                          <DateTime iso={row.lastFailureAt} />
                        </td>
                        <td>
                          <DateTime iso={row.blockedUntil} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        ) : null}
      </section>
      <p className="muted">
        The last 14 days by UTC day, {dayText(days[0] ?? "")} to {dayText(days.at(-1) ?? "")}. Each chart has
        its numbers in a data table.
      </p>
      <div className="grid charts">
        <LineChart
          id="volume-count"
          title="Captured payments (live)"
          description="Number of live-mode payments created per day that captured money; test mode and payments never captured are left out."
          days={days}
          series={[{ name: "payments", values: summary.volume.count }]}
          format={whole}
          integer
        />
        {Object.entries(summary.volume.amountByCurrency).map(([currency, values]) => {
          const exponent = exponentOf(currency) ?? 0;
          return (
            <LineChart
              key={currency}
              id={`volume-${currency}`}
              title={`Captured volume in ${currency} (live)`}
              description={`Amount captured by the live-mode payments created each day, in ${currency}.`}
              days={days}
              series={[
                {
                  name: currency,
                  // Floats only place the points; the table and tooltips show the exact amounts.
                  values: values.map((minor) => Number(minor) / 10 ** exponent),
                  labels: values.map((minor) => formatAmount(minor, currency)),
                },
              ]}
              format={(major) => formatAmount(BigInt(Math.round(major * 10 ** exponent)), currency)}
            />
          );
        })}
        <LineChart
          id="approval"
          title="Approval rate"
          description="Authorized, captured or refunded payments over all decided payments, per day."
          days={days}
          series={
            summary.approvalRate.some((value) => value !== null)
              ? [{ name: "approved", values: summary.approvalRate }]
              : []
          }
          format={percent}
          max={1}
        />
        <LineChart
          id="refunds"
          title="Refund rate"
          description="Refunded amount over captured amount of the payments created each day, per currency."
          days={days}
          series={Object.entries(summary.refundRateByCurrency).map(([name, values]) => ({ name, values }))}
          format={percent}
          max={1}
        />
        <LineChart
          id="psp"
          title="PSP success rate"
          description="Succeeded PSP attempts over all settled attempts, per day and PSP."
          days={days}
          series={Object.entries(summary.pspSuccessByPsp).map(([name, values]) => ({ name, values }))}
          format={percent}
          max={1}
        />
      </div>
    </>
  );
}
