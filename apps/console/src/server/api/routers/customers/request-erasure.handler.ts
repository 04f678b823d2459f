// An admin asks to erase a customer's personal data at one merchant (issue 22): four eyes, through the approvals
// every workbench request uses. The request keeps the merchant and the e-mail's blind index, never the address;
// another operator approves it in the ledger workbench's approvals, and the erasure runs in that transaction.
import { requestCustomerErasure } from "@paycore/core/customers/customer-erasure-commands";
import type { z } from "zod";
import { operatorActor } from "../../actor";
import type { SignedInContext } from "../../trpc";
import type { requestErasureSchema } from "./request-erasure.schema";

export async function requestErasureHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: z.infer<typeof requestErasureSchema>;
}) {
  const services = ctx.services.app.services;
  const request = await requestCustomerErasure(services.approvals, services.pii, operatorActor(ctx), input);
  return { approvalId: request.id, status: request.status, merchantId: request.targetId };
}
