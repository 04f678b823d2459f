// An operator voids an invoice or marks it uncollectible: through the core's InvoiceCommands, which writes the
// change, its invoice event, its outbox message and the operator audit row in one transaction.

import type { MerchantId } from "@paycore/core/ids/ids";
import type { InvoiceActor } from "@paycore/core/invoices/invoice-commands";
import { TRPCError } from "@trpc/server";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { InvoiceActionInput } from "./list.schema";

export async function invoiceActionHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: InvoiceActionInput;
}): Promise<{ status: string }> {
  const { invoices, invoiceCommands } = ctx.services.app.services;
  const invoice = await invoices.documents.findInvoice(input.id);
  if (invoice === null) throw new TRPCError({ code: "NOT_FOUND", message: "No such invoice." });
  const operator = operatorActor(ctx);
  const actor: InvoiceActor = {
    merchantId: invoice.merchantId as MerchantId,
    mode: invoice.mode,
    name: `operator:${operator.name}`,
    source: "OPERATOR",
    operator,
  };
  const key = `console:${input.idempotencyKey}`;
  const { value } =
    input.action === "VOID"
      ? await invoiceCommands.void(actor, key, invoice.id)
      : await invoiceCommands.markUncollectible(actor, key, invoice.id);
  return { status: value.status };
}
