// The invoice state machine in one table: DRAFT -> OPEN -> PAID | VOID | UNCOLLECTIBLE, and an uncollectible
// invoice may still be paid or voided (Stripe's model). Only a DRAFT is editable. The database holds the same
// edges (invoice_status_transitions, migration 20261207081000) and a trigger refuses any other status change;
// invoice-state-machine.integration-test.ts checks that the two agree.
export const INVOICE_STATUSES = ["DRAFT", "OPEN", "PAID", "VOID", "UNCOLLECTIBLE"] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const INVOICE_EVENTS = ["FINALIZED", "PAID", "VOIDED", "MARKED_UNCOLLECTIBLE"] as const;
export type InvoiceEvent = (typeof INVOICE_EVENTS)[number];

type TransitionTable = { readonly [S in InvoiceStatus]: { readonly [E in InvoiceEvent]?: InvoiceStatus } };

export const INVOICE_TRANSITIONS: TransitionTable = Object.freeze({
  DRAFT: Object.freeze({ FINALIZED: "OPEN" }),
  OPEN: Object.freeze({ PAID: "PAID", VOIDED: "VOID", MARKED_UNCOLLECTIBLE: "UNCOLLECTIBLE" }),
  // Written off, but a late payment still settles it, and it may still be cancelled.
  UNCOLLECTIBLE: Object.freeze({ PAID: "PAID", VOIDED: "VOID" }),
  PAID: Object.freeze({}),
  VOID: Object.freeze({}),
});

/** The outbox topic each event publishes (merchant webhooks): finalisation, payment and voiding. */
export const INVOICE_EVENT_TOPICS: { readonly [E in InvoiceEvent]: string } = Object.freeze({
  FINALIZED: "invoice.finalized",
  PAID: "invoice.paid",
  VOIDED: "invoice.voided",
  MARKED_UNCOLLECTIBLE: "invoice.marked_uncollectible",
});

/** The next status, or null when the table has no such edge (the command turns it into a typed error). */
export function invoiceTransition(from: InvoiceStatus, event: InvoiceEvent): InvoiceStatus | null {
  return INVOICE_TRANSITIONS[from][event] ?? null;
}

/** Lines, tax rates, due date and memo change only while the invoice is a draft. */
export function isInvoiceEditable(status: InvoiceStatus): boolean {
  return status === "DRAFT";
}

/** Every edge of the table as [from, to] pairs, for the database's copy and its test. */
export function invoiceTransitionEdges(): [InvoiceStatus, InvoiceStatus][] {
  const edges: [InvoiceStatus, InvoiceStatus][] = [];
  for (const from of INVOICE_STATUSES)
    for (const to of Object.values(INVOICE_TRANSITIONS[from])) edges.push([from, to as InvoiceStatus]);
  return edges;
}
