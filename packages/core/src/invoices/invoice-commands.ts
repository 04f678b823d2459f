// The one write path for invoices: validation, the state table, the exact totals, then the store writes the
// change with its event (and, for a status change, its outbox message) in one transaction, conditional on the
// version read. A lost race is INVOICE_STATE_INVALID after a re-read, never a silent overwrite.
import { parseEmailAddress } from "../documents/email-address";
import { DomainError } from "../errors/domain-error";
import type { IdempotencyService, IdempotentOutcome } from "../idempotency/idempotency-service";
import { type InvoiceId, type MerchantId, newId, parseId, parseIdempotencyKey } from "../ids/ids";
import { type CurrencyCode, parseCurrency } from "../money/currency";
import { formatMinorUnits, parseAmountMinor } from "../money/money";
import { assertFreeText } from "../payments/free-text";
import type { Mode } from "../payments/payment-record";
import type { Actor, AuditDraft } from "../ports/audit";
import type {
  InvoiceEventDraft,
  InvoiceLineRecord,
  InvoiceRecord,
  InvoiceStore,
  InvoiceTransitionExtras,
} from "../ports/invoice-store";
import {
  INVOICE_EVENT_TOPICS,
  type InvoiceEvent,
  invoiceTransition,
  isInvoiceEditable,
} from "./invoice-state-machine";
import {
  assertTaxRate,
  INVOICE_LINES_MAX,
  invoiceAmounts,
  LINE_QUANTITY_MAX,
  lineAmounts,
  type TaxBehavior,
} from "./invoice-totals";

export const INVOICE_MEMO_LENGTH_MAX = 1000;
export const LINE_DESCRIPTION_LENGTH_MAX = 500;
export const INVOICE_PAGE_SIZE_MAX = 100;

export interface InvoiceActor {
  merchantId: MerchantId;
  mode: Mode;
  /** "key:key_…", "operator:…" or "system:checkout": recorded with each event. */
  name: string;
  source: InvoiceEventDraft["source"];
  /** A console operator's change: also written to the operator audit log, in the change's transaction. */
  operator?: Actor | null;
}

/** The payment that pays an invoice, as the hosted page's try reports it (PaymentRecord's fields). */
export interface InvoicePaymentProof {
  paymentId: string;
  status: string;
  amountCapturedMinor: bigint;
  currency: string;
  /** The hosted page's try (invoice_payments), marked SUCCEEDED in the same transaction; null: none. */
  tryId: string | null;
}

export interface InvoiceLineInput {
  description: string;
  quantity: number;
  unitAmount: unknown;
  taxRateBps?: number | null;
  taxBehavior?: TaxBehavior | null;
}

export interface CreateInvoiceInput {
  idempotencyKey: string;
  currency: string;
  customerEmail?: string | null;
  memo?: string | null;
  /** YYYY-MM-DD. */
  dueDate?: string | null;
  lines?: InvoiceLineInput[] | null;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function invalid(message: string, field: string[]): DomainError {
  return new DomainError("INVALID_INPUT", message, { field });
}

function parseDueDate(input: string | null | undefined): string | null {
  if (input == null) return null;
  const match = DATE_PATTERN.exec(input);
  const date = match ? new Date(`${input}T00:00:00Z`) : null;
  if (date === null || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== input)
    throw invalid("dueDate must be a date as YYYY-MM-DD.", ["dueDate"]);
  return input;
}

function parseMemo(input: string | null | undefined): string | null {
  const memo = input?.trim() || null;
  if (memo === null) return null;
  if (memo.length > INVOICE_MEMO_LENGTH_MAX)
    throw invalid(`memo must be at most ${INVOICE_MEMO_LENGTH_MAX} characters.`, ["memo"]);
  assertFreeText(memo, { field: ["memo"], multiline: true });
  return memo;
}

function parseLines(
  inputs: readonly InvoiceLineInput[],
  currency: CurrencyCode,
  firstPosition: number,
): InvoiceLineRecord[] {
  if (firstPosition + inputs.length > INVOICE_LINES_MAX)
    throw invalid(`an invoice has at most ${INVOICE_LINES_MAX} lines.`, ["lines"]);
  return inputs.map((input, index) => {
    const field = (name: string) => ["lines", String(index), name];
    const description = input.description.trim();
    if (description.length === 0 || description.length > LINE_DESCRIPTION_LENGTH_MAX)
      throw invalid(
        `description must be 1 to ${LINE_DESCRIPTION_LENGTH_MAX} characters.`,
        field("description"),
      );
    assertFreeText(description, { field: field("description") });
    if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > LINE_QUANTITY_MAX)
      throw invalid(`quantity must be an integer from 1 to ${LINE_QUANTITY_MAX}.`, field("quantity"));
    const unitAmountMinor = parseAmountMinor(input.unitAmount, {
      currency,
      allowZero: true,
      field: field("unitAmount"),
    });
    const taxRateBps = input.taxRateBps ?? null;
    assertTaxRate(taxRateBps, field("taxRateBps"));
    const taxBehavior = input.taxBehavior ?? "EXCLUSIVE";
    const line = { quantity: input.quantity, unitAmountMinor, taxRateBps, taxBehavior };
    return {
      id: newId("invoiceLine"),
      position: firstPosition + index,
      description,
      ...line,
      ...lineAmounts(line),
    };
  });
}

type Outcome = Promise<IdempotentOutcome<InvoiceRecord>>;

const KEY_KINDS = { API: "SECRET", OPERATOR: "OPERATOR", SYSTEM: "SYSTEM" } as const;

export class InvoiceCommands {
  constructor(private readonly deps: { store: InvoiceStore; idempotency: IdempotencyService }) {}

  /** Every mutation runs under the caller's idempotency key: a retry replays the first answer. */
  private idempotent(
    actor: InvoiceActor,
    rawKey: string,
    operation: string,
    request: unknown,
    work: () => Promise<InvoiceRecord>,
  ): Outcome {
    const key = parseIdempotencyKey(rawKey);
    return this.deps.idempotency.run(
      { merchantId: actor.merchantId, mode: actor.mode, keyKind: KEY_KINDS[actor.source], key },
      operation,
      request,
      work,
    );
  }

  create(actor: InvoiceActor, input: CreateInvoiceInput): Outcome {
    const { idempotencyKey, ...request } = input;
    return this.idempotent(actor, idempotencyKey, "createInvoice", request, () =>
      this.createNow(actor, input),
    );
  }

  private async createNow(actor: InvoiceActor, input: CreateInvoiceInput): Promise<InvoiceRecord> {
    const currency = parseCurrency(input.currency);
    if (currency === null)
      throw new DomainError("CURRENCY_INVALID", "currency must be an ISO 4217 code such as USD.", {
        field: ["currency"],
      });
    const customerEmail = parseEmailAddress(input.customerEmail, ["customerEmail"]);
    const memo = parseMemo(input.memo);
    const dueDate = parseDueDate(input.dueDate);
    const lines = parseLines(input.lines ?? [], currency, 0);
    const { netMinor, taxMinor, grossMinor } = invoiceAmounts(lines, currency);
    const id = newId("invoice");
    return this.deps.store.insert(
      {
        id,
        merchantId: actor.merchantId,
        mode: actor.mode,
        currency,
        customerEmail,
        memo,
        dueDate,
        lines,
        totals: { netMinor, taxMinor, grossMinor },
      },
      event(actor, "invoice.created", { currency, lines: lines.length }),
    );
  }

  addLines(actor: InvoiceActor, idempotencyKey: string, id: string, inputs: InvoiceLineInput[]): Outcome {
    return this.idempotent(actor, idempotencyKey, "addInvoiceLines", { id, inputs }, () =>
      this.addLinesNow(actor, id, inputs),
    );
  }

  private async addLinesNow(
    actor: InvoiceActor,
    rawId: string,
    inputs: InvoiceLineInput[],
  ): Promise<InvoiceRecord> {
    const invoice = await this.load(actor, rawId);
    if (!isInvoiceEditable(invoice.status))
      throw new DomainError(
        "INVOICE_NOT_EDITABLE",
        `invoice is ${invoice.status}: only drafts can be edited.`,
      );
    if (inputs.length === 0) throw invalid("lines must not be empty.", ["lines"]);
    const currency = parseCurrency(invoice.currency) as CurrencyCode;
    const added = parseLines(inputs, currency, invoice.lines.length);
    const lines = [...invoice.lines, ...added];
    const { netMinor, taxMinor, grossMinor } = invoiceAmounts(lines, currency);
    const saved = await this.deps.store.replaceDraftLines(
      invoice,
      lines,
      { netMinor, taxMinor, grossMinor },
      event(actor, "invoice.lines_added", { added: added.length }),
    );
    if (saved === null)
      throw new DomainError("INVOICE_NOT_EDITABLE", "the invoice changed meanwhile; read it again.");
    return saved;
  }

  finalize(actor: InvoiceActor, idempotencyKey: string, id: string): Outcome {
    return this.idempotent(actor, idempotencyKey, "finalizeInvoice", { id }, () =>
      this.move(actor, id, "FINALIZED", (invoice) => {
        if (invoice.lines.length === 0 || invoice.totalMinor === 0n)
          throw new DomainError(
            "INVOICE_STATE_INVALID",
            "an invoice needs at least one line and a total above 0.",
          );
      }),
    );
  }

  void(actor: InvoiceActor, idempotencyKey: string, id: string): Outcome {
    return this.idempotent(actor, idempotencyKey, "voidInvoice", { id }, () =>
      this.move(actor, id, "VOIDED"),
    );
  }

  markUncollectible(actor: InvoiceActor, idempotencyKey: string, id: string): Outcome {
    return this.idempotent(actor, idempotencyKey, "markInvoiceUncollectible", { id }, () =>
      this.move(actor, id, "MARKED_UNCOLLECTIBLE"),
    );
  }

  /**
   * The confirmation that a captured payment paid the whole total: a payment of another amount or currency, or
   * one not captured, is refused (no partial payment). The invoice keeps the payment (unique in the database).
   */
  markPaid(actor: InvoiceActor, idempotencyKey: string, id: string, proof: InvoicePaymentProof): Outcome {
    const request = { id, paymentId: proof.paymentId };
    return this.idempotent(actor, idempotencyKey, "markInvoicePaid", request, () =>
      this.move(
        actor,
        id,
        "PAID",
        (invoice) => {
          if (proof.status !== "CAPTURED")
            throw new DomainError("INVOICE_PAYMENT_MISMATCH", "the payment is not captured.", {
              field: ["paymentId"],
            });
          if (proof.amountCapturedMinor !== invoice.totalMinor || proof.currency !== invoice.currency)
            throw new DomainError(
              "INVOICE_PAYMENT_MISMATCH",
              "an invoice is paid by one payment of exactly its total: partial payment is refused.",
              { field: ["paymentId"] },
            );
        },
        { paymentId: proof.paymentId },
        { payment: { paymentId: proof.paymentId, tryId: proof.tryId } },
      ),
    );
  }

  get(actor: InvoiceActor, id: string): Promise<InvoiceRecord> {
    return this.load(actor, id);
  }

  list(
    actor: InvoiceActor,
    options: { first?: number | null; status?: InvoiceRecord["status"] | null; before?: string | null },
  ): Promise<InvoiceRecord[]> {
    const first = options.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > INVOICE_PAGE_SIZE_MAX)
      throw invalid(`first must be from 1 to ${INVOICE_PAGE_SIZE_MAX}.`, ["first"]);
    const before = options.before == null ? null : parseId("invoice", options.before);
    if (options.before != null && before === null) throw invalid("before must be an invoice id.", ["before"]);
    return this.deps.store.list(actor.merchantId, actor.mode, {
      first,
      status: options.status ?? null,
      beforeId: before,
    });
  }

  private async load(actor: InvoiceActor, rawId: string): Promise<InvoiceRecord> {
    const id = parseId("invoice", rawId);
    const invoice = id && (await this.deps.store.find(actor.merchantId, actor.mode, id as InvoiceId));
    if (!invoice) throw new DomainError("INVOICE_NOT_FOUND", "no such invoice.", { field: ["id"] });
    return invoice;
  }

  private async move(
    actor: InvoiceActor,
    rawId: string,
    invoiceEvent: InvoiceEvent,
    check?: (invoice: InvoiceRecord) => void,
    data: Record<string, string> = {},
    extras: InvoiceTransitionExtras = {},
  ): Promise<InvoiceRecord> {
    const invoice = await this.load(actor, rawId);
    const to = invoiceTransition(invoice.status, invoiceEvent);
    if (to === null)
      throw new DomainError(
        "INVOICE_STATE_INVALID",
        `an invoice that is ${invoice.status} cannot be ${invoiceEvent}.`,
      );
    check?.(invoice);
    const topic = INVOICE_EVENT_TOPICS[invoiceEvent];
    const payload = {
      invoiceId: invoice.id,
      status: to,
      currency: invoice.currency,
      total: formatMinorUnits(invoice.totalMinor, invoice.currency as CurrencyCode),
      totalMinor: invoice.totalMinor.toString(),
      ...data,
    };
    const operatorAudit: AuditDraft | null = actor.operator
      ? {
          actor: actor.operator,
          action: `invoice.${invoiceEvent.toLowerCase()}`,
          targetId: invoice.id,
          before: { status: invoice.status, version: invoice.version },
          after: { status: to, merchantId: invoice.merchantId, mode: invoice.mode },
        }
      : null;
    const moved = await this.deps.store.transition(
      invoice,
      invoiceEvent,
      to,
      event(actor, topic, data),
      { topic, payload },
      { ...extras, operatorAudit },
    );
    if (moved === "checkout_in_flight")
      throw new DomainError(
        "INVOICE_STATE_INVALID",
        "a customer's payment of this invoice is being decided; try again once it is.",
        { retryable: true },
      );
    if (moved === null)
      throw new DomainError("INVOICE_STATE_INVALID", "the invoice changed meanwhile; read it again.");
    return moved;
  }
}

function event(
  actor: InvoiceActor,
  type: string,
  data: Record<string, string | number | boolean | null>,
): InvoiceEventDraft {
  return { type, source: actor.source, actor: actor.name, data };
}
