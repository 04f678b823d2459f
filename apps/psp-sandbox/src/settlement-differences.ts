// The sandbox as a reconciliation test bench: a day's settlement report with differences injected on purpose,
// in the PSP's own layout, so tests can prove that each one lands in its category. Deterministic: a difference
// names the line it changes by its position among the day's money lines (captures and refunds, in file order).
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import type { PspName } from "./charge-ledger";
import { formatMinorUnits, readMinorUnits } from "./minor-units";

export type SettlementDifference =
  /** The line never reaches the report: the PSP did not settle it (MISSING_EXTERNAL on our side). */
  | { kind: "drop"; line: number }
  /** A line for a payment we never made (MISSING_INTERNAL). */
  | { kind: "add"; reference: string; amountMinor: bigint; currency: string }
  /** The gross (and net) differ by deltaMinor (AMOUNT_MISMATCH). */
  | { kind: "amount"; line: number; deltaMinor: bigint }
  /** The fee differs by deltaMinor, net follows (FEE_MISMATCH). */
  | { kind: "fee"; line: number; deltaMinor: bigint }
  /** The line appears twice (DUPLICATE). */
  | { kind: "duplicate"; line: number }
  /** The line is in another currency (CURRENCY_MISMATCH). */
  | { kind: "currency"; line: number; currency: string }
  /** A chargeback of the line's payment (UNSUPPORTED_TYPE until disputes exist). */
  | { kind: "chargeback"; line: number };

type Row = Record<string, string>;

const ADYEN_MONEY_TYPES = new Set(["Settled", "Refunded"]);

function isMoneyLine(psp: PspName, row: Row): boolean {
  return psp === "adyen"
    ? ADYEN_MONEY_TYPES.has(row.Type ?? "")
    : ["charge", "refund"].includes(row.reporting_category ?? "");
}

/** Adds deltaMinor to a signed amount held in a debit/credit column pair (Adyen) or one signed column (Stripe). */
function shiftAdyen(row: Row, debit: string, credit: string, deltaMinor: bigint, currency: string): void {
  const signed =
    readMinorUnits(row[credit] ?? "", currency) - readMinorUnits(row[debit] ?? "", currency) + deltaMinor;
  row[credit] = signed > 0n ? formatMinorUnits(signed, currency) : "";
  row[debit] = signed < 0n ? formatMinorUnits(-signed, currency) : "";
}

function apply(psp: PspName, rows: Row[], money: Row[], difference: SettlementDifference): void {
  const target = "line" in difference ? money[difference.line] : undefined;
  if ("line" in difference && target === undefined)
    throw new Error(`no money line ${difference.line} in the day's ${psp} report`);
  const row = target as Row;
  const currency = psp === "adyen" ? (row?.["Net Currency"] ?? "") : (row?.currency ?? "");
  switch (difference.kind) {
    case "drop":
      rows.splice(rows.indexOf(row), 1);
      return;
    case "duplicate":
      rows.splice(rows.indexOf(row) + 1, 0, { ...row });
      return;
    case "amount":
      if (psp === "adyen") {
        shiftAdyen(row, "Gross Debit (GC)", "Gross Credit (GC)", difference.deltaMinor, currency);
        shiftAdyen(row, "Net Debit (NC)", "Net Credit (NC)", difference.deltaMinor, currency);
      } else {
        row.gross = formatMinorUnits(
          readMinorUnits(row.gross ?? "", currency) + difference.deltaMinor,
          currency,
        );
        row.net = formatMinorUnits(readMinorUnits(row.net ?? "", currency) + difference.deltaMinor, currency);
      }
      return;
    case "fee":
      if (psp === "adyen") {
        row["Commission (NC)"] = formatMinorUnits(
          readMinorUnits(row["Commission (NC)"] ?? "", currency) + difference.deltaMinor,
          currency,
        );
        shiftAdyen(row, "Net Debit (NC)", "Net Credit (NC)", -difference.deltaMinor, currency);
      } else {
        row.fee = formatMinorUnits(readMinorUnits(row.fee ?? "", currency) + difference.deltaMinor, currency);
        row.net = formatMinorUnits(readMinorUnits(row.net ?? "", currency) - difference.deltaMinor, currency);
      }
      return;
    case "currency":
      if (psp === "adyen") {
        row["Gross Currency"] = difference.currency.toUpperCase();
        row["Net Currency"] = difference.currency.toUpperCase();
      } else row.currency = difference.currency.toLowerCase();
      return;
    case "chargeback": {
      const chargeback: Row = { ...row };
      if (psp === "adyen") {
        const gross = readMinorUnits(row["Gross Credit (GC)"] ?? "", currency);
        Object.assign(chargeback, {
          Type: "Chargeback",
          "Modification Reference": `CB${row["Psp Reference"] ?? ""}`,
          "Gross Credit (GC)": "",
          "Gross Debit (GC)": formatMinorUnits(gross, currency),
          "Net Credit (NC)": "",
          "Net Debit (NC)": formatMinorUnits(gross, currency),
          "Commission (NC)": "",
        });
      } else {
        const gross = readMinorUnits(row.gross ?? "", currency);
        Object.assign(chargeback, {
          balance_transaction_id: `${row.balance_transaction_id}_dispute`,
          reporting_category: "dispute",
          source_id: `dp_${row.source_id ?? ""}`,
          gross: formatMinorUnits(-gross, currency),
          fee: formatMinorUnits(0n, currency),
          net: formatMinorUnits(-gross, currency),
        });
      }
      rows.push(chargeback);
      return;
    }
    case "add": {
      const template = money[0];
      if (template === undefined) throw new Error("an added line copies the layout of an existing one");
      const amount = formatMinorUnits(difference.amountMinor, difference.currency);
      if (psp === "adyen") {
        rows.push({
          ...template,
          "Psp Reference": difference.reference,
          "Merchant Reference": difference.reference,
          "Modification Reference": difference.reference,
          Type: "Settled",
          "Gross Currency": difference.currency.toUpperCase(),
          "Gross Debit (GC)": "",
          "Gross Credit (GC)": amount,
          "Net Currency": difference.currency.toUpperCase(),
          "Net Debit (NC)": "",
          "Net Credit (NC)": amount,
          "Commission (NC)": formatMinorUnits(0n, difference.currency),
        });
      } else {
        rows.push({
          ...template,
          balance_transaction_id: `txn_${difference.reference}`,
          currency: difference.currency.toLowerCase(),
          gross: amount,
          fee: formatMinorUnits(0n, difference.currency),
          net: amount,
          reporting_category: "charge",
          source_id: `ch_${difference.reference}`,
          payment_intent_id: difference.reference,
          charge_id: `ch_${difference.reference}`,
        });
      }
      return;
    }
  }
}

/** The day's report with the differences applied in order (line positions refer to the original report). */
export function withSettlementDifferences(
  psp: PspName,
  csv: string,
  differences: readonly SettlementDifference[],
): string {
  const rows = parse(csv, { columns: true }) as Row[];
  const header = (parse(csv, { to_line: 1 }) as string[][])[0] ?? [];
  const money = rows.filter((row) => isMoneyLine(psp, row));
  for (const difference of differences) apply(psp, rows, money, difference);
  return stringify(rows, { header: true, columns: header });
}
