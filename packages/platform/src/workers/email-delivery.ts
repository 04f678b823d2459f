// The email-delivery job: sends the email outbox's due rows (receipts, credit notes, invoices) through the mailer. Each
// row is leased first, rendered from its stored document, sent with no transaction open, then marked sent, or
// failed with its error and retried after a doubling delay until its attempts are spent (then FAILED, shown by
// the console). Several processes may run it: leases are taken with SKIP LOCKED.
import type { PiiVault } from "@paycore/core/vault/pii-vault";
import {
  EmailOutboxRepository,
  type EmailOutboxRow,
  type RetryPolicy,
} from "@paycore/db/repositories/email-outbox.repository";
import { InvoiceDocumentRepository } from "@paycore/db/repositories/invoice-document.repository";
import { ReceiptRepository } from "@paycore/db/repositories/receipt.repository";
import type { Sql } from "@paycore/db/sql";
import type { Logger } from "pino";
import { documentLinks } from "../documents/document-links";
import { invoiceLinks } from "../documents/invoice-links";
import {
  invoiceTitle,
  renderInvoiceHtml,
  renderInvoicePdf,
  renderInvoiceText,
} from "../documents/invoice-render";
import {
  documentTitle,
  renderDocumentHtml,
  renderDocumentPdf,
  renderDocumentText,
} from "../documents/receipt-render";
import type { Mailer, OutgoingMail } from "../email/mailer";
import type { PassResult, WorkerJob } from "./worker";

export const EMAIL_DELIVERY_INTERVAL_MS = 2_000;
const EMAIL_BATCH_SIZE = 20;
/** Longer than a send's timeouts together: a row is not sent twice while its first send is still running. */
const EMAIL_LEASE_MS = 2 * 60_000;
export const DEFAULT_EMAIL_RETRY_POLICY: RetryPolicy = {
  attemptsMax: 6,
  delayMs: 30_000,
  delayMaxMs: 60 * 60_000,
};

export interface EmailDeliveryOptions {
  outbox: Pick<EmailOutboxRepository, "leaseDue" | "markSent" | "markFailed">;
  documents: Pick<ReceiptRepository, "findReceipt" | "findCreditNote">;
  /** Invoices' mails (kinds invoice_finalized, invoice_paid); absent: such rows fail as unknown documents. */
  invoices?: Pick<InvoiceDocumentRepository, "findInvoice">;
  mailer: Mailer;
  /** The API's public origin, for the links in the mail. */
  publicBaseUrl: string;
  retry?: RetryPolicy;
  log: Pick<Logger, "info" | "warn">;
}

/** An invoice's mail: on finalisation (with the pay link) and on payment, the PDF attached to both. */
async function composeInvoiceMail(
  options: EmailDeliveryOptions,
  row: EmailOutboxRow,
): Promise<OutgoingMail | null> {
  const invoice = await options.invoices?.findInvoice(row.documentId);
  if (!invoice) return null;
  if (row.toAddress === null) throw new Error("the recipient was erased (customer erase)");
  const links = invoiceLinks(options.publicBaseUrl, invoice);
  const title = invoiceTitle(invoice);
  const subject =
    row.kind === "invoice_paid"
      ? `Payment received: ${title} from ${invoice.merchantName}`
      : `${title} from ${invoice.merchantName}`;
  return {
    to: row.toAddress,
    subject,
    text: renderInvoiceText(invoice, links),
    html: renderInvoiceHtml(invoice, links, { payForm: false }),
    attachments: [
      {
        filename: `invoice-${invoice.number ?? "draft"}.pdf`,
        content: await renderInvoicePdf(invoice),
        contentType: "application/pdf",
      },
    ],
  };
}

async function composeMail(options: EmailDeliveryOptions, row: EmailOutboxRow): Promise<OutgoingMail | null> {
  if (row.kind === "invoice_finalized" || row.kind === "invoice_paid")
    return composeInvoiceMail(options, row);
  const document =
    row.kind === "receipt"
      ? await options.documents.findReceipt(row.documentId)
      : await options.documents.findCreditNote(row.documentId);
  if (document === null) return null;
  if (row.toAddress === null) throw new Error("the recipient was erased (customer erase)");
  const links = documentLinks(options.publicBaseUrl, document);
  const title = documentTitle(document);
  return {
    to: row.toAddress,
    subject: `${title} from ${document.merchantName}`,
    text: renderDocumentText(document, links),
    html: renderDocumentHtml(document, links),
    attachments: [
      {
        filename: `${document.kind === "receipt" ? "receipt" : "credit-note"}-${document.number}.pdf`,
        content: await renderDocumentPdf(document),
        contentType: "application/pdf",
      },
    ],
  };
}

export function emailDeliveryJob(options: EmailDeliveryOptions): WorkerJob {
  const retry = options.retry ?? DEFAULT_EMAIL_RETRY_POLICY;
  return {
    name: "email-delivery",
    schedule: {
      intervalMs: EMAIL_DELIVERY_INTERVAL_MS,
      backoff: { initialDelayMs: EMAIL_DELIVERY_INTERVAL_MS, maxDelayMs: 60_000 },
    },
    failureMessage: "email delivery failed: leased mails are sent again once their lease ends",
    async pass(): Promise<PassResult> {
      const rows = await options.outbox.leaseDue(EMAIL_BATCH_SIZE, EMAIL_LEASE_MS);
      let sent = 0;
      for (const row of rows) {
        try {
          const mail = await composeMail(options, row);
          if (mail === null) throw new Error(`the ${row.kind} ${row.documentId} does not exist`);
          const messageId = await options.mailer.send(mail);
          await options.outbox.markSent(row.id, messageId);
          sent += 1;
        } catch (error) {
          // The error names the server or the document, never the message's content.
          const message = error instanceof Error ? error.message : String(error);
          await options.outbox.markFailed(row.id, message, retry);
          options.log.warn(
            { emailId: row.id.toString(), kind: row.kind, attempts: row.attempts, err: message },
            row.attempts >= retry.attemptsMax ? "email failed for good" : "email send failed; it is retried",
          );
        }
      }
      if (sent > 0) options.log.info({ sent }, "emails sent");
      return { done: sent, more: rows.length === EMAIL_BATCH_SIZE };
    },
  };
}

/** The job on the app's node-postgres pool: what the worker registry adds when a mail server is configured. */
export function emailDeliveryFromSql(
  sql: Sql,
  email: { mailer: Mailer; publicBaseUrl: string },
  log: Pick<Logger, "info" | "warn">,
  pii: PiiVault,
): WorkerJob {
  return emailDeliveryJob({
    outbox: new EmailOutboxRepository(sql, pii),
    documents: new ReceiptRepository(sql, pii),
    invoices: new InvoiceDocumentRepository(sql, pii),
    mailer: email.mailer,
    publicBaseUrl: email.publicBaseUrl,
    log,
  });
}
