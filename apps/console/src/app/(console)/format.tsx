// Small presentational helpers shared by the console's pages.
import { Fragment } from "react";
import { formatAmount } from "../../lib/money";

export function Amount({ minor, currency }: { minor: string; currency: string }) {
  return <>{formatAmount(minor, currency)}</>;
}

/**
 * An audit action ("auth.second_factor_verified") that may wrap only after a dot or an underscore: in the audit log's
 * narrow column it broke anywhere ("merchant.creat / e", "auth.second_fa / ctor_verified").
 */
export function ActionName({ action }: { action: string }) {
  const parts = action.split(/(?<=[._])/);
  return (
    <span className="action-name">
      {parts.map((part, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order.
        <Fragment key={index}>
          {part}
          {index < parts.length - 1 ? <wbr /> : null}
        </Fragment>
      ))}
    </span>
  );
}

export function Status({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status.replace(/_/g, " ").toLowerCase()}</span>;
}

const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZone: "UTC",
});

/**
 * "08 Dec 2026, 01:38:02 UTC". In a narrow column it wraps only between the day and the time (each part stays whole):
 * the reviews queue showed "08 Dec / 2026, / 01:38:02 / UTC" on four lines.
 */
export function DateTime({ iso }: { iso: string | Date }) {
  const date = new Date(iso);
  const text = DATE_TIME.format(date);
  const comma = text.indexOf(", ");
  return (
    <time dateTime={date.toISOString()}>
      <span className="nowrap">{text.slice(0, comma + 1)}</span>{" "}
      <span className="nowrap">{text.slice(comma + 2)} UTC</span>
    </time>
  );
}

const DATE = new Intl.DateTimeFormat("en-GB", {
  year: "numeric",
  month: "short",
  day: "2-digit",
  timeZone: "UTC",
});
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}/;
const DAY = new Intl.DateTimeFormat("en-GB", { month: "short", day: "2-digit", timeZone: "UTC" });

/** "2027-01-07" → "07 Jan 2027": a calendar day (a due date) read like the times beside it, never month-first. */
export function dayText(day: string): string {
  if (!DAY_PATTERN.test(day)) return day;
  return DATE.format(new Date(`${day.slice(0, 10)}T00:00:00Z`));
}

/** "2026-11-26" → "26 Nov": a day on a chart's axis, where the year is in the chart's caption. */
export function shortDayText(day: string): string {
  if (!DAY_PATTERN.test(day)) return day;
  return DAY.format(new Date(`${day.slice(0, 10)}T00:00:00Z`));
}

/** A calendar day ("YYYY-MM-DD") as "07 Jan 2027". */
export function Day({ day }: { day: string }) {
  return <time dateTime={day.slice(0, 10)}>{dayText(day)}</time>;
}

/** 290 basis points → "2.90%". */
export function feePercent(bps: number): string {
  return `${(bps / 100).toFixed(2)}%`;
}
