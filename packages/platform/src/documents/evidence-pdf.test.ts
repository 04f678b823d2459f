// Goal: dispute evidence rendered for PSPs that take documents only is a real PDF, the same bytes every time
// (a retry under the evidence's key must send the same body), and Stripe's file fields are chosen by kind with
// every uploaded file referenced.
import { describe, expect, it } from "vitest";
import { stripeEvidenceFileFields } from "../psps/stripe/stripe-psp";
import { renderEvidenceTextPdf, renderImagePdf } from "./evidence-pdf";

const PNG_BYTES = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

describe("evidence PDFs", () => {
  it("renders the texts as a PDF, byte for byte the same on every render", async () => {
    const texts = { productDescription: "A hand-made lamp", uncategorizedText: "Delivered\nSigned for" };
    const first = await renderEvidenceTextPdf("du_1", texts);
    expect(first.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect((await renderEvidenceTextPdf("du_1", texts)).equals(first)).toBe(true);
    expect((await renderEvidenceTextPdf("du_1", { productDescription: "Another" })).equals(first)).toBe(
      false,
    );
  });

  it("wraps a PNG in a one-page PDF", async () => {
    const pdf = await renderImagePdf("photo.png", PNG_BYTES);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect((await renderImagePdf("photo.png", PNG_BYTES)).equals(pdf)).toBe(true);
  });
});

describe("Stripe evidence file fields", () => {
  it.each([
    [["receipt.pdf"], { receipt: "f0" }, []],
    [
      ["shipping-label.png", "emails.pdf"],
      { shipping_documentation: "f0", customer_communication: "f1" },
      [],
    ],
    [["scan.png"], { uncategorized_file: "f0" }, []],
    [["receipt.pdf", "invoice.pdf"], { receipt: "f0", uncategorized_file: "f1" }, []],
    [["receipt.pdf", "invoice.pdf", "receipt-2.pdf"], { receipt: "f0", uncategorized_file: "f1" }, ["f2"]],
  ])("%j -> %j, unplaced %j", (names, fields, unplaced) => {
    const files = names.map((filename, index) => ({ id: `f${index}`, filename }));
    const placed = stripeEvidenceFileFields(files);
    expect(placed.fields).toEqual(fields);
    expect(placed.unplaced.map((file) => file.id)).toEqual(unplaced);
  });
});
