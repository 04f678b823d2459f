// One line of a PSP's settlement report in our terms, read from the PSP's own published column layout: Adyen's
// Settlement details report and Stripe's itemized balance change report. Columns are found by header name,
// unknown columns are ignored, and a line that cannot be read exactly is refused with its line number, so the
// import can refuse the whole file before writing anything.
import { DomainError } from "../errors/domain-error";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { type DecimalAmountRules, parseDecimalAmount } from "../money/decimal-amount";

export const SETTLEMENT_PSPS = ["adyen", "stripe"] as const;
export type SettlementPsp = (typeof SETTLEMENT_PSPS)[number];

/** What a line moves; only captures, refunds and fee-only rows are reconciled today. */
export type SettlementLineType =
  | "CAPTURE"
  | "REFUND"
  | "FEE"
  | "CHARGEBACK"
  | "CHARGEBACK_REVERSAL"
  | "PAYOUT"
  | "OTHER";

export interface SettlementLine {
  psp: SettlementPsp;
  /** 1-based, counting the header as line 1: what an operator sees in a text editor. */
  lineNumber: number;
  /** The PSP's identity of the line: Adyen batch + references + type, Stripe's balance transaction id. */
  lineKey: string;
  /** Adyen's Batch Number; Stripe's available-on day. */
  batch: string;
  type: SettlementLineType;
  /** The PSP's own word for the type, kept for operators ("Settled", "refund", "dispute"). */
  rawType: string;
  /** The payment's PSP reference (Adyen Psp Reference, Stripe payment_intent_id). */
  pspReference: string | null;
  /** The modification's (Adyen Modification Reference, Stripe source_id: ch_… or re_…). */
  modificationReference: string | null;
  merchantReference: string | null;
  merchantAccount: string | null;
  currency: CurrencyCode;
  /** Signed from our side: positive when the PSP owes us more (a capture), negative for a refund. */
  grossMinor: bigint;
  /** What the PSP kept: positive for a charge to us. gross − fee = net, always. */
  feeMinor: bigint;
  netMinor: bigint;
  bookedAt: Date;
}

/** Why a report is refused: the first bad line, or line 1 for the header. */
export class SettlementReportError extends DomainError {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super("INVALID_INPUT", `Settlement report refused at line ${lineNumber}: ${reason}`, {
      field: ["file", `line ${lineNumber}`],
    });
  }
}

/** Bounds every cell we keep; a PSP reference is 16–40 characters, a batch number a few digits. */
export const CELL_LENGTH_MAX = 200;

export const ADYEN_REQUIRED_COLUMNS = [
  "Psp Reference",
  "Merchant Reference",
  "Type",
  "Creation Date",
  "Gross Currency",
  "Gross Debit (GC)",
  "Gross Credit (GC)",
  "Net Currency",
  "Net Debit (NC)",
  "Net Credit (NC)",
  "Batch Number",
] as const;
/** Optional: each is a part of the fee when present. */
export const ADYEN_FEE_COLUMNS = ["Commission (NC)", "Markup (NC)", "Scheme Fees (NC)", "Interchange (NC)"];

export const STRIPE_REQUIRED_COLUMNS = [
  "balance_transaction_id",
  "created_utc",
  "available_on_utc",
  "currency",
  "gross",
  "fee",
  "net",
  "reporting_category",
  "source_id",
] as const;

const REQUIRED: Record<SettlementPsp, readonly string[]> = {
  adyen: ADYEN_REQUIRED_COLUMNS,
  stripe: STRIPE_REQUIRED_COLUMNS,
};

/** Refuses a header that lacks a required column, naming the other PSP when it is that PSP's layout. */
export function assertSettlementHeader(psp: SettlementPsp, header: readonly string[]): void {
  const present = new Set(header.map((name) => name.trim()));
  const missing = REQUIRED[psp].filter((name) => !present.has(name));
  if (missing.length === 0) return;
  const other: SettlementPsp = psp === "adyen" ? "stripe" : "adyen";
  if (REQUIRED[other].every((name) => present.has(name))) {
    throw new SettlementReportError(1, `this is ${other}'s report layout, not ${psp}'s`);
  }
  throw new SettlementReportError(1, `missing required columns: ${missing.join(", ")}`);
}

const ADYEN_TYPES: Record<string, SettlementLineType> = {
  Settled: "CAPTURE",
  SettledBulk: "CAPTURE",
  Refunded: "REFUND",
  RefundedBulk: "REFUND",
  Fee: "FEE",
  Chargeback: "CHARGEBACK",
  SecondChargeback: "CHARGEBACK",
  ChargebackReversed: "CHARGEBACK_REVERSAL",
  MerchantPayout: "PAYOUT",
};

const STRIPE_CATEGORIES: Record<string, SettlementLineType> = {
  charge: "CAPTURE",
  payment: "CAPTURE",
  refund: "REFUND",
  fee: "FEE",
  dispute: "CHARGEBACK",
  dispute_reversal: "CHARGEBACK_REVERSAL",
  payout: "PAYOUT",
};

/** "2026-05-01 10:15:30" (UTC, as both PSPs write it here) or ISO 8601. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The last text read per column and its time: a report repeats its dates line after line (Stripe's available-on
 * day, a batch's booking time), and a large file reads millions of them.
 */
interface TimestampEntry {
  text: string;
  time: number;
  day: string | null;
}
const lastTimestamps = new Map<string, TimestampEntry>();

function readTimestamp(text: string, lineNumber: number, column: string): Date {
  return new Date(timestampEntry(text, lineNumber, column).time);
}

/** The UTC day ("2026-05-01") of a timestamp cell, kept with its time (Stripe's batch is a line's available day). */
function readDay(text: string, lineNumber: number, column: string): string {
  const entry = timestampEntry(text, lineNumber, column);
  entry.day ??= new Date(entry.time).toISOString().slice(0, 10);
  return entry.day;
}

function timestampEntry(text: string, lineNumber: number, column: string): TimestampEntry {
  const last = lastTimestamps.get(column);
  if (last !== undefined && last.text === text) return last;
  const entry: TimestampEntry = { text, time: parseTimestamp(text, lineNumber, column).getTime(), day: null };
  if (lastTimestamps.size < 8 || last !== undefined) lastTimestamps.set(column, entry);
  return entry;
}

function parseTimestamp(text: string, lineNumber: number, column: string): Date {
  const match = TIMESTAMP.exec(text.trim());
  const date = match === null ? null : new Date(`${match[1]}T${match[2]}${match[3] ?? "Z"}`);
  if (date === null || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== match?.[1]) {
    throw new SettlementReportError(lineNumber, `${column} is not a date and time: "${clip(text)}"`);
  }
  return date;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Report amounts are signed (fees and refunds are debits) and a payout or batch line sums many payments, so the
 * bound is what a BIGINT column holds with room to add, not one payment's maximum.
 */
export const REPORT_AMOUNT_MINOR_MAX = 10n ** 18n - 1n;
const REPORT_AMOUNT_RULES: DecimalAmountRules = { negative: true, maximumMinor: REPORT_AMOUNT_MINOR_MAX };

function cell(record: Record<string, string | undefined>, column: string, lineNumber: number): string {
  const value = (record[column] ?? "").trim();
  if (value.length > CELL_LENGTH_MAX)
    throw new SettlementReportError(lineNumber, `${column} is longer than ${CELL_LENGTH_MAX} characters`);
  return value;
}

function currencyCell(record: Record<string, string | undefined>, column: string, lineNumber: number) {
  const text = cell(record, column, lineNumber);
  const currency = parseCurrency(text.toUpperCase());
  if (currency === null)
    throw new SettlementReportError(lineNumber, `${column} "${clip(text)}" is not a currency`);
  return currency;
}

function amountCell(
  record: Record<string, string | undefined>,
  column: string,
  currency: CurrencyCode,
  lineNumber: number,
): bigint {
  const text = cell(record, column, lineNumber);
  // An empty cell is zero: both layouts leave the credit or the debit column of a line blank.
  if (text === "") return 0n;
  const reading = parseDecimalAmount(text, currency, REPORT_AMOUNT_RULES);
  if (!reading.ok)
    throw new SettlementReportError(
      lineNumber,
      `${column} "${clip(text)}" is not an amount in ${currency} (${reading.reason.replace("_", " ")})`,
    );
  return reading.amountMinor;
}

function hasCell(record: Record<string, string | undefined>, column: string): boolean {
  return (record[column] ?? "").trim() !== "";
}

function orNull(text: string): string | null {
  return text === "" ? null : text;
}

/**
 * Adyen writes Creation Date in the account's time zone and names it in the TimeZone column ("CET", "CEST"):
 * the offsets of the zones it names, in minutes east of UTC. A name that means two offsets (CST, IST, BST, GST) or is not
 * here refuses the file rather than book its lines hours off; "+01:00" and "GMT+01:00" are read as written.
 */
const ADYEN_TIME_ZONE_OFFSETS_MINUTES: Record<string, number> = {
  UTC: 0,
  GMT: 0,
  WET: 0,
  WEST: 60,
  CET: 60,
  CEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  SGT: 480,
  HKT: 480,
  AWST: 480,
  JST: 540,
  KST: 540,
  AEST: 600,
  AEDT: 660,
  NZST: 720,
  NZDT: 780,
  BRT: -180,
  EST: -300,
  EDT: -240,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};
const ZONE_OFFSET = /^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$/;

function adyenZoneOffsetMinutes(record: Record<string, string | undefined>, lineNumber: number): number {
  const zone = cell(record, "TimeZone", lineNumber).toUpperCase();
  if (zone === "") return 0;
  const named = ADYEN_TIME_ZONE_OFFSETS_MINUTES[zone];
  if (named !== undefined) return named;
  const match = ZONE_OFFSET.exec(zone);
  if (match === null)
    throw new SettlementReportError(lineNumber, `TimeZone "${clip(zone)}" is not a time zone we can read`);
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/** Creation Date as a time: in the TimeZone column's zone unless the text carries its own offset. */
function adyenCreationDate(record: Record<string, string | undefined>, lineNumber: number): Date {
  const text = cell(record, "Creation Date", lineNumber);
  const local = readTimestamp(text, lineNumber, "Creation Date");
  if (/(?:Z|[+-]\d{2}:?\d{2})$/.test(text)) return local;
  const offsetMinutes = adyenZoneOffsetMinutes(record, lineNumber);
  return offsetMinutes === 0 ? local : new Date(local.getTime() - offsetMinutes * 60_000);
}

/** One record of Adyen's Settlement details report (columns by header name). */
export function adyenSettlementLine(
  record: Record<string, string | undefined>,
  lineNumber: number,
): SettlementLine {
  const rawType = cell(record, "Type", lineNumber);
  const type = ADYEN_TYPES[rawType] ?? "OTHER";
  const grossCurrencyText = cell(record, "Gross Currency", lineNumber);
  const currency = currencyCell(record, "Net Currency", lineNumber);
  // Fee rows carry no gross currency; a gross in another currency is a conversion we do not settle.
  if (grossCurrencyText !== "" && grossCurrencyText.toUpperCase() !== currency)
    throw new SettlementReportError(
      lineNumber,
      "gross and net currencies differ (FX settlement is not supported)",
    );
  const netMinor =
    amountCell(record, "Net Credit (NC)", currency, lineNumber) -
    amountCell(record, "Net Debit (NC)", currency, lineNumber);
  const hasGross =
    grossCurrencyText !== "" || hasCell(record, "Gross Credit (GC)") || hasCell(record, "Gross Debit (GC)");
  // A row with no gross is either a fee (its net is the fee) or money moved as it is (MerchantPayout,
  // Balancetransfer, DepositCorrection: its net is the whole amount, no fee). Reading a payout's net debit as
  // gross 0 made it a fee: an outside check's batch showed a fee total of 34.84 USD on 34.90 USD of payments.
  const grossMinor = hasGross
    ? amountCell(record, "Gross Credit (GC)", currency, lineNumber) -
      amountCell(record, "Gross Debit (GC)", currency, lineNumber)
    : type === "FEE"
      ? 0n
      : netMinor;
  const feeMinor = grossMinor - netMinor;
  if (type === "CAPTURE" || type === "REFUND") {
    const present = ADYEN_FEE_COLUMNS.filter((column) => (record[column] ?? "").trim() !== "");
    if (present.length > 0) {
      const partsMinor = present.reduce(
        (sum, column) => sum + amountCell(record, column, currency, lineNumber),
        0n,
      );
      if (partsMinor !== feeMinor)
        throw new SettlementReportError(lineNumber, "the fee columns do not add up to gross minus net");
    }
  }
  const pspReference = orNull(cell(record, "Psp Reference", lineNumber));
  const modificationReference = orNull(cell(record, "Modification Reference", lineNumber));
  const batch = cell(record, "Batch Number", lineNumber);
  if (batch === "") throw new SettlementReportError(lineNumber, "Batch Number is empty");
  const merchantAccount = orNull(cell(record, "Merchant Account", lineNumber));
  return {
    psp: "adyen",
    lineNumber,
    // Adyen has no line id: a line is its batch, account, references and type (a fee row: account and currency).
    lineKey: [
      batch,
      merchantAccount ?? "",
      pspReference ?? "",
      modificationReference ?? "",
      rawType,
      currency,
    ].join("|"),
    batch,
    type,
    rawType,
    pspReference,
    modificationReference,
    merchantReference: orNull(cell(record, "Merchant Reference", lineNumber)),
    merchantAccount,
    currency,
    grossMinor,
    feeMinor,
    netMinor,
    bookedAt: adyenCreationDate(record, lineNumber),
  };
}

/**
 * Our payment id as Stripe's report names its metadata key: `payment_metadata[reference]` (a charge's, and a
 * refund's payment's), `refund_metadata[reference]`; `metadata[reference]` is what files before December 2026
 * carried (the sandbox wrote that name, which Stripe's reports do not have).
 */
const STRIPE_REFERENCE_COLUMNS = [
  "payment_metadata[reference]",
  "refund_metadata[reference]",
  "metadata[reference]",
] as const;

function stripeMerchantReference(record: Record<string, string | undefined>, lineNumber: number) {
  for (const column of STRIPE_REFERENCE_COLUMNS) {
    const text = cell(record, column, lineNumber);
    if (text !== "") return text;
  }
  return null;
}

/** One record of Stripe's itemized balance change report. */
export function stripeSettlementLine(
  record: Record<string, string | undefined>,
  lineNumber: number,
): SettlementLine {
  const rawType = cell(record, "reporting_category", lineNumber);
  const currency = currencyCell(record, "currency", lineNumber);
  const grossMinor = amountCell(record, "gross", currency, lineNumber);
  const feeMinor = amountCell(record, "fee", currency, lineNumber);
  const netMinor = amountCell(record, "net", currency, lineNumber);
  if (grossMinor - feeMinor !== netMinor)
    throw new SettlementReportError(lineNumber, "gross minus fee is not net");
  const id = cell(record, "balance_transaction_id", lineNumber);
  if (id === "") throw new SettlementReportError(lineNumber, "balance_transaction_id is empty");
  return {
    psp: "stripe",
    lineNumber,
    lineKey: id,
    batch: readDay(cell(record, "available_on_utc", lineNumber), lineNumber, "available_on_utc"),
    type: STRIPE_CATEGORIES[rawType] ?? "OTHER",
    rawType,
    pspReference: orNull(cell(record, "payment_intent_id", lineNumber)),
    modificationReference: orNull(cell(record, "source_id", lineNumber)),
    merchantReference: stripeMerchantReference(record, lineNumber),
    merchantAccount: null,
    currency,
    grossMinor,
    feeMinor,
    netMinor,
    bookedAt: readTimestamp(cell(record, "created_utc", lineNumber), lineNumber, "created_utc"),
  };
}

/** The last Stripe batch day read and its time (see settlementAvailableOn). */
let lastBatchDay: { day: string; time: number } = { day: "", time: Number.NaN };

/**
 * When the line's money is available to the merchant, per the PSP (issue 18): Stripe's `available_on_utc` (the
 * line's batch is that day), Adyen's booking of the line into its settlement batch (Creation Date: the batch pays
 * out what it booked). A capture's pending release is moved to this time when its line arrives.
 */
export function settlementAvailableOn(line: Pick<SettlementLine, "psp" | "batch" | "bookedAt">): Date {
  if (line.psp !== "stripe") return line.bookedAt;
  // A report's lines share a few days: the last one's time is kept rather than parsed again per line.
  if (line.batch !== lastBatchDay.day)
    lastBatchDay = { day: line.batch, time: new Date(`${line.batch}T00:00:00.000Z`).getTime() };
  return new Date(lastBatchDay.time);
}

export function settlementLineReader(psp: SettlementPsp) {
  return psp === "adyen" ? adyenSettlementLine : stripeSettlementLine;
}
