// Goal: an invoice's PDF carries merchant names and line descriptions in Greek, Cyrillic, CJK and Arabic as text
// (the embedded Noto fonts, read back with pdftotext), with its number, tax lines and total; the page and the
// mail text are rendered from the same data; script runs split where the script changes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InvoiceId, MerchantId } from "@paycore/core/ids/ids";
import type { InvoiceDocument } from "@paycore/db/repositories/invoice-document.repository";
import { describe, expect, it } from "vitest";
import { formatTaxRate, taxLines } from "./invoice-format";
import { invoiceLinks } from "./invoice-links";
import { renderInvoiceHtml, renderInvoicePdf, renderInvoiceText } from "./invoice-render";
import { scriptRuns } from "./pdf-fonts";

const hasPdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

function line(position: number, description: string, unitAmountMinor: bigint, taxRateBps: number | null) {
  const taxMinor = taxRateBps === null ? 0n : (unitAmountMinor * BigInt(taxRateBps)) / 10_000n;
  return {
    id: `il_${position}`,
    position,
    description,
    quantity: 1,
    unitAmountMinor,
    taxRateBps,
    taxBehavior: "EXCLUSIVE" as const,
    netMinor: unitAmountMinor,
    taxMinor,
    grossMinor: unitAmountMinor + taxMinor,
  };
}

const invoice: InvoiceDocument = {
  id: "in_01KAAAAAAAAAAAAAAAAAAAAAAA" as InvoiceId,
  merchantId: "mer_01KAAAAAAAAAAAAAAAAAAAAAAA" as MerchantId,
  merchantName: "Ταβέρνα Ωμέγα · Пекарня · 东京商店 · مخبز",
  mode: "TEST",
  status: "OPEN",
  currency: "EUR",
  customerEmail: "buyer@example.test",
  memo: "Спасибо! 谢谢",
  dueDate: "2027-01-31",
  number: 42n,
  lines: [
    line(0, "Ψωμί και τυρί", 1000n, 2400),
    line(1, "Хлеб ржаной", 500n, 1000),
    line(2, "抹茶ラテ", 450n, null),
    line(3, "خبز عربي", 300n, 1000),
  ],
  netMinor: 2250n,
  taxMinor: 320n,
  totalMinor: 2570n,
  accessToken: "0123456789abcdef0123456789abcdef",
  paymentId: null,
  version: 2,
  finalizedAt: new Date("2026-12-07T10:00:00Z"),
  paidAt: null,
  voidedAt: null,
  createdAt: new Date("2026-12-07T09:00:00Z"),
};

describe("invoice documents", () => {
  it("cuts text into runs per script, neutral characters joining the run before them", () => {
    expect(scriptRuns("Café 東京 1, Москва")).toEqual([
      { script: "sans", text: "Café " },
      { script: "cjk", text: "東京 1, " },
      { script: "sans", text: "Москва" },
    ]);
    expect(scriptRuns("123")).toEqual([{ script: "sans", text: "123" }]);
    // Drawn right to left, an Arabic run keeps no trailing space: it starts the next run, between the words.
    expect(scriptRuns("خبز, Хлеб")).toEqual([
      { script: "arabic", text: "خبز" },
      { script: "sans", text: ", Хлеб" },
    ]);
  });

  it("formats tax rates exactly and groups tax per rate", () => {
    expect(formatTaxRate(1950)).toBe("19.5%");
    expect(formatTaxRate(2000)).toBe("20%");
    expect(formatTaxRate(5)).toBe("0.05%");
    expect(taxLines(invoice)).toEqual([
      { label: "Tax 24% (added)", amountMinor: 240n },
      { label: "Tax 10% (added)", amountMinor: 80n },
    ]);
  });

  it("renders the page and the mail text from the same data, escaped", () => {
    const links = invoiceLinks("https://pay.example.test/", invoice);
    expect(links.payUrl).toBe(`${links.pageUrl}/pay`);
    const html = renderInvoiceHtml(invoice, links, { notice: "<b>declined</b>" });
    expect(html).toContain("Invoice #42 from Ταβέρνα Ωμέγα");
    expect(html).toContain("&lt;b&gt;declined&lt;/b&gt;");
    expect(html).toContain("€25.70");
    expect(renderInvoiceHtml(invoice, links, { payForm: false })).not.toContain("<form");
    const text = renderInvoiceText(invoice, links);
    expect(text).toContain("Total: €25.70");
    expect(text).toContain(`View and pay it online: ${links.pageUrl}`);
  });

  it.skipIf(!hasPdftotext)(
    "writes Greek, Cyrillic, CJK and Arabic as text in the PDF, with number and total",
    async () => {
      const pdf = await renderInvoicePdf(invoice);
      const folder = mkdtempSync(join(tmpdir(), "paycore-invoice-render-"));
      const file = join(folder, "invoice.pdf");
      writeFileSync(file, pdf);
      const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).normalize("NFKC");
      expect(text).toContain("Invoice #42");
      expect(text).toContain("Total: €25.70");
      expect(text).toContain("Tax 24% (added): €2.40");
      for (const word of ["Ταβέρνα", "Ωμέγα", "Пекарня", "东京商店", "Ψωμί", "Хлеб", "抹茶ラテ", "Спасибо"])
        expect(text).toContain(word);
      // Arabic comes out shaped (joined forms), in visual order: its letters are there once normalised.
      for (const letter of ["خ", "ب", "ز"]) expect(text).toContain(letter);
    },
  );
});
