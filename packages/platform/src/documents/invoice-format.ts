// Invoice figures shared by the documents (invoice-render.ts) and the console, with no PDF library behind them:
// tax rates from basis points and the tax per rate, exactly.
import type { InvoiceDocument } from "@paycore/db/repositories/invoice-document.repository";

/** "19.5%" from basis points, exactly (no float). */
export function formatTaxRate(bps: number): string {
  const whole = Math.trunc(bps / 100);
  const fraction = String(bps % 100)
    .padStart(2, "0")
    .replace(/0+$/, "");
  return fraction === "" ? `${whole}%` : `${whole}.${fraction}%`;
}

export interface TaxLine {
  label: string;
  amountMinor: bigint;
}

/** The tax per rate and behaviour, in order of first appearance: "VAT 20% (excl.)". */
export function taxLines(invoice: Pick<InvoiceDocument, "lines">): TaxLine[] {
  const byKey = new Map<string, TaxLine>();
  for (const line of invoice.lines) {
    if (line.taxRateBps === null) continue;
    const key = `${line.taxRateBps}:${line.taxBehavior}`;
    const label = `Tax ${formatTaxRate(line.taxRateBps)} (${line.taxBehavior === "INCLUSIVE" ? "included" : "added"})`;
    const existing = byKey.get(key) ?? { label, amountMinor: 0n };
    existing.amountMinor += line.taxMinor;
    byKey.set(key, existing);
  }
  return [...byKey.values()];
}
