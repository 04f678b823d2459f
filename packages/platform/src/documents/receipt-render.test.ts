// Goal: a receipt's PDF carries a merchant name in Greek, Cyrillic, CJK or Arabic as text (read back with
// pdftotext), with its amount in the currency's exponent (JPY 0, KWD 3) and the card as brand and last 4 only;
// a bank-transfer receipt says so instead of "ending in" nothing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReceiptDocument } from "@paycore/db/repositories/receipt.repository";
import { describe, expect, it } from "vitest";
import { renderDocumentHtml, renderDocumentPdf, renderDocumentText } from "./receipt-render";

const hasPdftotext = (() => {
  try {
    execFileSync("pdftotext", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const receipt: ReceiptDocument = {
  kind: "receipt",
  id: "rcpt_01KAAAAAAAAAAAAAAAAAAAAAAA",
  accessToken: "0123456789abcdef0123456789abcdef",
  number: 12n,
  merchantId: "mer_01KAAAAAAAAAAAAAAAAAAAAAAA",
  merchantName: "Ταβέρνα Ωμέγα · Пекарня · 东京商店 · مخبز",
  mode: "TEST",
  paymentId: "pay_01KAAAAAAAAAAAAAAAAAAAAAAA",
  receiptId: "rcpt_01KAAAAAAAAAAAAAAAAAAAAAAA",
  receiptNumber: 12n,
  email: "buyer@example.test",
  amountMinor: 9_223_372_036_854_775_807n,
  currency: "JPY",
  description: "抹茶ラテ",
  cardBrand: "visa",
  cardLast4: "4242",
  createdAt: new Date("2026-12-07T10:00:00Z"),
};

const links = {
  pageUrl: "https://pay.example.test/documents/r",
  pdfUrl: "https://pay.example.test/documents/r.pdf",
};

async function pdfText(document: ReceiptDocument): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), "paycore-receipt-render-"));
  const file = join(folder, "receipt.pdf");
  writeFileSync(file, await renderDocumentPdf(document));
  return execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" }).normalize("NFKC");
}

describe("receipt documents", () => {
  it.skipIf(!hasPdftotext)(
    "writes a non-Latin merchant name as text, with a JPY amount of 19 digits",
    async () => {
      const text = await pdfText(receipt);
      for (const word of ["Ταβέρνα", "Ωμέγα", "Пекарня", "东京商店", "Receipt #12", "抹茶ラテ"])
        expect(text).toContain(word);
      for (const letter of ["م", "خ", "ب", "ز"]) expect(text).toContain(letter);
      expect(text).toContain("Amount paid: ¥9,223,372,036,854,775,807");
      expect(text).toContain("Card: Visa ending in 4242");
    },
  );

  it.skipIf(!hasPdftotext)("writes a KWD credit note with three decimals", async () => {
    const text = await pdfText({ ...receipt, kind: "credit_note", currency: "KWD", amountMinor: 1_234_567n });
    expect(text).toContain("Credit note #12");
    expect(text).toContain("Amount refunded: KWD 1,234.567");
  });

  it.skipIf(!hasPdftotext)("names a bank transfer as such in the PDF, the page and the mail", async () => {
    const bankTransfer = {
      ...receipt,
      currency: "EUR",
      amountMinor: 2500n,
      cardBrand: "bank transfer",
      cardLast4: "",
    };
    const text = await pdfText(bankTransfer);
    expect(text).toContain("Paid by: Bank transfer");
    expect(text).not.toContain("ending in");
    expect(renderDocumentText(bankTransfer, links)).toContain("Paid by: Bank transfer");
    expect(renderDocumentHtml(bankTransfer, links)).toContain("<td>Bank transfer</td>");
    expect(renderDocumentHtml(bankTransfer, links)).not.toContain("ending in");
  });
});
