// Small presentational helpers shared by the console's pages.
import { formatAmount } from "../../lib/money";

export function Amount({ minor, currency }: { minor: string; currency: string }) {
  return <>{formatAmount(minor, currency)}</>;
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

export function DateTime({ iso }: { iso: string }) {
  return <time dateTime={iso}>{DATE_TIME.format(new Date(iso))} UTC</time>;
}

/** 290 basis points → "2.90%". */
export function feePercent(bps: number): string {
  return `${(bps / 100).toFixed(2)}%`;
}
