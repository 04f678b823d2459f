// One A4 PDF drawn by a callback, as bytes: the frame the invoices', receipts' and dispute evidence's PDFs share.
import PDFDocument from "pdfkit";
import { registerPdfFonts, writeText } from "./pdf-fonts";

/** Draws a PDF with `draw` and resolves with its bytes; a throw while drawing rejects. */
export function renderPdf(
  info: PDFKit.DocumentInfo,
  draw: (pdf: PDFKit.PDFDocument) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const pdf = new PDFDocument({ size: "A4", margin: 56, info: { ...info, Producer: "paycore" } });
    const chunks: Buffer[] = [];
    pdf.on("data", (chunk: Buffer) => chunks.push(chunk));
    pdf.on("end", () => resolve(Buffer.concat(chunks)));
    pdf.on("error", reject);
    try {
      draw(pdf);
      pdf.end();
    } catch (error) {
      reject(error);
    }
  });
}

/** A merchant's document: the embedded fonts, then its name and the document's title as the heading. */
export function renderMerchantPdf(
  merchantName: string,
  title: string,
  drawBody: (pdf: PDFKit.PDFDocument) => void,
): Promise<Buffer> {
  return renderPdf({ Title: title, Author: merchantName }, (pdf) => {
    registerPdfFonts(pdf);
    pdf.fontSize(18);
    writeText(pdf, merchantName, { bold: true });
    pdf.moveDown(0.5).fontSize(14);
    writeText(pdf, title);
    pdf.moveDown().fontSize(11);
    drawBody(pdf);
  });
}
