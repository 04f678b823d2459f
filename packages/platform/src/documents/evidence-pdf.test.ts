// Goal: dispute evidence rendered for PSPs that take documents only is a real PDF, the same bytes every time
// (a retry under the evidence's key must send the same body) and labelled with each document's kind, and Stripe's
// file fields are chosen by the kind the merchant gave each file (never its name), with every file referenced.

import { EVIDENCE_FILE_KINDS } from "@paycore/core/disputes/dispute-evidence";
import { describe, expect, it } from "vitest";
import { STRIPE_FILE_FIELD_BY_KIND, stripeEvidenceFileFields } from "../psps/stripe/stripe-psp";
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

  it("wraps a PNG in a one-page PDF, under its label when it has one", async () => {
    const pdf = await renderImagePdf("photo.png", PNG_BYTES);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect((await renderImagePdf("photo.png", PNG_BYTES)).equals(pdf)).toBe(true);
    const labelled = await renderImagePdf("photo.png", PNG_BYTES, "Receipt: photo.png");
    expect(labelled.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(labelled.equals(pdf)).toBe(false);
    expect((await renderImagePdf("photo.png", PNG_BYTES, "Receipt: photo.png")).equals(labelled)).toBe(true);
  });

  it("lists the documents sent beside the texts by kind, the same bytes every time", async () => {
    const texts = { productDescription: "A hand-made lamp" };
    const documents = [{ label: "Receipt", filename: "receipt.pdf" }];
    const listed = await renderEvidenceTextPdf("du_1", texts, documents);
    expect(listed.equals(await renderEvidenceTextPdf("du_1", texts))).toBe(false);
    expect(listed.equals(await renderEvidenceTextPdf("du_1", texts, documents))).toBe(true);
    const other = [{ label: "Shipping documentation", filename: "receipt.pdf" }];
    expect(listed.equals(await renderEvidenceTextPdf("du_1", texts, other))).toBe(false);
  });
});

describe("Stripe evidence file fields", () => {
  it.each(EVIDENCE_FILE_KINDS.map((kind) => [kind, STRIPE_FILE_FIELD_BY_KIND[kind]] as const))(
    "a %s goes to %s",
    (kind, field) => {
      const placed = stripeEvidenceFileFields([{ id: "f0", filename: "scan.pdf", kind }]);
      expect(placed.fields).toEqual({ [field]: "f0" });
      expect(placed.unplaced).toEqual([]);
    },
  );

  it("gives every kind a field of its own", () => {
    expect(new Set(Object.values(STRIPE_FILE_FIELD_BY_KIND)).size).toBe(EVIDENCE_FILE_KINDS.length);
  });

  it.each([
    // The kind decides, never the name: a file called "receipt.pdf" that is shipping documentation.
    [[["receipt.pdf", "SHIPPING_DOCUMENTATION"]], { shipping_documentation: "f0" }, []],
    [
      [
        ["label.png", "SHIPPING_DOCUMENTATION"],
        ["emails.pdf", "CUSTOMER_COMMUNICATION"],
      ],
      { shipping_documentation: "f0", customer_communication: "f1" },
      [],
    ],
    [
      [
        ["a.pdf", "RECEIPT"],
        ["b.pdf", "RECEIPT"],
      ],
      { receipt: "f0", uncategorized_file: "f1" },
      [],
    ],
    [
      [
        ["a.pdf", "RECEIPT"],
        ["b.pdf", "RECEIPT"],
        ["c.pdf", "RECEIPT"],
      ],
      { receipt: "f0", uncategorized_file: "f1" },
      ["f2"],
    ],
  ] as const)("%j -> %j, unplaced %j", (named, fields, unplaced) => {
    const files = named.map(([filename, kind], index) => ({ id: `f${index}`, filename, kind }));
    const placed = stripeEvidenceFileFields(files);
    expect(placed.fields).toEqual(fields);
    expect(placed.unplaced.map((file) => file.id)).toEqual(unplaced);
  });
});
