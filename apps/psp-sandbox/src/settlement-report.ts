import { stringify } from "csv-stringify/sync";
import type { ChargeLedger, PspName, SettlementEntry } from "./charge-ledger";
import { basisPointsOf, formatMinorUnits } from "./minor-units";

/** Stripe-style fee: 2.9 % of each captured charge (half up) plus 30 minor units, never more than the charge. Refunds cost nothing and return no fee. */
export const STRIPE_FEE = { rateBasisPoints: 290n, fixedMinor: 30n } as const;

/**
 * Adyen-style fees: a 0.60 % commission (half up) on each Settled row, in its Commission (NC)
 * column, plus one "Fee" row per merchant account, currency and day charging 11 minor units for
 * every Settled and Refunded row of that day.
 */
export const ADYEN_FEE = { commissionBasisPoints: 60n, processingFeeMinor: 11n } as const;

export const STRIPE_COLUMNS = [
  "balance_transaction_id",
  "created_utc",
  "available_on_utc",
  "currency",
  "gross",
  "fee",
  "net",
  "reporting_category",
  "source_id",
  "payment_intent_id",
  "charge_id",
  "customer_facing_amount",
  "description",
  // Stripe's reports name a payment's metadata key `payment_metadata[key]` (a refund row carries its payment's).
  "payment_metadata[reference]",
] as const;

export const ADYEN_COLUMNS = [
  "Company Account",
  "Merchant Account",
  "Psp Reference",
  "Merchant Reference",
  "Payment Method",
  "Creation Date",
  "TimeZone",
  "Type",
  "Modification Reference",
  "Gross Currency",
  "Gross Debit (GC)",
  "Gross Credit (GC)",
  "Exchange Rate",
  "Net Currency",
  "Net Debit (NC)",
  "Net Credit (NC)",
  "Commission (NC)",
  // Published columns the sandbox's fee model leaves empty (its whole fee is the commission), kept so the layout
  // is Adyen's: the importer adds every fee column present and checks them against gross − net.
  "Markup (NC)",
  "Scheme Fees (NC)",
  "Interchange (NC)",
  "Payment Method Variant",
  "Modification Merchant Reference",
  "Batch Number",
  // The published layout ends with columns Adyen reserves for later use, empty today.
  "Reserved4",
  "Reserved5",
  "Reserved6",
  "Reserved7",
  "Reserved8",
  "Reserved9",
  "Reserved10",
] as const;

export const ADYEN_COMPANY_ACCOUNT = "PaycoreSandboxCompany";

const DAY_MS = 86_400_000;
/** Stripe makes card funds available two days after the charge, in this model. */
const AVAILABLE_AFTER_DAYS = 2;

/** Parses "YYYY-MM-DD" as a UTC day; null unless it is a real calendar date. */
export function parseSettlementDate(date: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const start = new Date(`${date}T00:00:00.000Z`);
  return Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== date ? null : start;
}

/** "2026-05-01 10:15:30" in UTC. */
function reportTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

export function stripeFeeMinor(grossMinor: bigint): bigint {
  const fee = basisPointsOf(grossMinor, STRIPE_FEE.rateBasisPoints) + STRIPE_FEE.fixedMinor;
  return fee < grossMinor ? fee : grossMinor;
}

export function adyenCommissionMinor(grossMinor: bigint): bigint {
  return basisPointsOf(grossMinor, ADYEN_FEE.commissionBasisPoints);
}

/** The settlement report of one PSP for one UTC day, in that PSP's own column layout. */
export function settlementCsv(ledger: ChargeLedger, psp: PspName, dayStart: Date): string {
  const entries = ledger
    .settlementsBetween(psp, dayStart, new Date(dayStart.getTime() + DAY_MS))
    .sort((left, right) => left.at.getTime() - right.at.getTime());
  return psp === "stripe" ? stripeCsv(entries) : adyenCsv(entries, dayStart);
}

function stripeCsv(entries: SettlementEntry[]): string {
  const rows = entries.map((entry) => {
    const { charge } = entry;
    const isCapture = entry.kind === "capture";
    const gross = isCapture ? entry.amountMinor : -entry.amountMinor;
    const fee = isCapture ? stripeFeeMinor(entry.amountMinor) : 0n;
    const availableOn = new Date(
      Math.floor(entry.at.getTime() / DAY_MS) * DAY_MS + AVAILABLE_AFTER_DAYS * DAY_MS,
    );
    return {
      balance_transaction_id: entry.id,
      created_utc: reportTimestamp(entry.at),
      available_on_utc: reportTimestamp(availableOn),
      currency: charge.currency.toLowerCase(),
      gross: formatMinorUnits(gross, charge.currency),
      fee: formatMinorUnits(fee, charge.currency),
      net: formatMinorUnits(gross - fee, charge.currency),
      reporting_category: isCapture ? "charge" : "refund",
      source_id: entry.sourceId,
      payment_intent_id: charge.pspReference,
      charge_id: charge.chargeId ?? "",
      customer_facing_amount: formatMinorUnits(entry.amountMinor, charge.currency),
      description: isCapture ? `Payment ${charge.reference}` : `Refund of ${charge.reference}`,
      "payment_metadata[reference]": charge.reference,
    };
  });
  return stringify(rows, { header: true, columns: [...STRIPE_COLUMNS] });
}

function adyenCsv(entries: SettlementEntry[], dayStart: Date): string {
  const batchNumber = String(Math.floor(dayStart.getTime() / DAY_MS));
  const rowsPerAccount = new Map<string, { merchantAccount: string; currency: string; count: bigint }>();
  const rows: Record<string, string>[] = entries.map((entry) => {
    const { charge } = entry;
    const merchantAccount = charge.merchantAccount ?? "";
    const accountKey = `${merchantAccount}\u0000${charge.currency}`;
    const counted = rowsPerAccount.get(accountKey) ?? {
      merchantAccount,
      currency: charge.currency,
      count: 0n,
    };
    counted.count += 1n;
    rowsPerAccount.set(accountKey, counted);
    const amount = formatMinorUnits(entry.amountMinor, charge.currency);
    const isCapture = entry.kind === "capture";
    const commission = isCapture ? adyenCommissionMinor(entry.amountMinor) : 0n;
    return {
      "Company Account": ADYEN_COMPANY_ACCOUNT,
      "Merchant Account": merchantAccount,
      "Psp Reference": charge.pspReference,
      "Merchant Reference": charge.reference,
      "Payment Method": charge.cardBrand === "mastercard" ? "mc" : charge.cardBrand,
      "Creation Date": reportTimestamp(entry.at),
      TimeZone: "UTC",
      Type: isCapture ? "Settled" : "Refunded",
      "Modification Reference": entry.sourceId,
      "Gross Currency": charge.currency,
      "Gross Debit (GC)": isCapture ? "" : amount,
      "Gross Credit (GC)": isCapture ? amount : "",
      "Exchange Rate": "1",
      "Net Currency": charge.currency,
      "Net Debit (NC)": isCapture ? "" : amount,
      "Net Credit (NC)": isCapture ? formatMinorUnits(entry.amountMinor - commission, charge.currency) : "",
      "Commission (NC)": formatMinorUnits(commission, charge.currency),
      "Payment Method Variant": charge.cardBrand === "mastercard" ? "mc" : charge.cardBrand,
      "Batch Number": batchNumber,
    };
  });
  const endOfDay = reportTimestamp(new Date(dayStart.getTime() + DAY_MS - 1000));
  for (const { merchantAccount, currency, count } of rowsPerAccount.values()) {
    rows.push({
      "Company Account": ADYEN_COMPANY_ACCOUNT,
      "Merchant Account": merchantAccount,
      "Psp Reference": "",
      "Merchant Reference": "",
      "Payment Method": "",
      "Creation Date": endOfDay,
      TimeZone: "UTC",
      Type: "Fee",
      "Modification Reference": "Transaction Fees",
      "Gross Currency": currency,
      "Gross Debit (GC)": "",
      "Gross Credit (GC)": "",
      "Exchange Rate": "1",
      "Net Currency": currency,
      "Net Debit (NC)": formatMinorUnits(ADYEN_FEE.processingFeeMinor * count, currency),
      "Net Credit (NC)": "",
      "Commission (NC)": "",
      "Batch Number": batchNumber,
    });
  }
  return stringify(rows, { header: true, columns: [...ADYEN_COLUMNS] });
}
