// Goal: the invoice table allows exactly the documented edges; only drafts are editable; terminal states stay put.
import { describe, expect, it } from "vitest";
import {
  INVOICE_EVENTS,
  INVOICE_STATUSES,
  type InvoiceEvent,
  type InvoiceStatus,
  invoiceTransition,
  invoiceTransitionEdges,
  isInvoiceEditable,
} from "./invoice-state-machine";

const ALLOWED: [InvoiceStatus, InvoiceEvent, InvoiceStatus][] = [
  ["DRAFT", "FINALIZED", "OPEN"],
  ["OPEN", "PAID", "PAID"],
  ["OPEN", "VOIDED", "VOID"],
  ["OPEN", "MARKED_UNCOLLECTIBLE", "UNCOLLECTIBLE"],
  ["UNCOLLECTIBLE", "PAID", "PAID"],
  ["UNCOLLECTIBLE", "VOIDED", "VOID"],
];

describe("invoice state machine", () => {
  it.each(ALLOWED)("%s --%s--> %s", (from, event, to) => {
    expect(invoiceTransition(from, event)).toBe(to);
  });

  const refused = INVOICE_STATUSES.flatMap((from) =>
    INVOICE_EVENTS.filter((event) => !ALLOWED.some(([f, e]) => f === from && e === event)).map(
      (event) => [from, event] as const,
    ),
  );
  it.each(refused)("refuses %s --%s-->", (from, event) => {
    expect(invoiceTransition(from, event)).toBeNull();
  });

  it("edits only drafts and lists each edge once", () => {
    expect(INVOICE_STATUSES.filter(isInvoiceEditable)).toEqual(["DRAFT"]);
    expect(invoiceTransitionEdges()).toHaveLength(ALLOWED.length);
  });
});
