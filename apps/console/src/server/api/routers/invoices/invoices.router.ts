import { procedureFor, router } from "../../trpc";
import { invoiceActionHandler } from "./action.handler";
import { invoiceDetailHandler } from "./detail.handler";
import { listInvoicesHandler } from "./list.handler";
import { invoiceActionSchema, invoiceDetailSchema, listInvoicesSchema } from "./list.schema";

export const invoicesRouter = router({
  list: procedureFor("VIEWER").input(listInvoicesSchema).query(listInvoicesHandler),
  detail: procedureFor("VIEWER").input(invoiceDetailSchema).query(invoiceDetailHandler),
  action: procedureFor("OPERATOR").input(invoiceActionSchema).mutation(invoiceActionHandler),
});
