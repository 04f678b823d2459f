import { procedureFor, router } from "../../trpc";
import { cancelHandler, captureHandler } from "./capture.handler";
import { cancelSchema, captureSchema } from "./capture.schema";
import { paymentDetailHandler } from "./detail.handler";
import { paymentDetailSchema } from "./detail.schema";
import { listPaymentsHandler } from "./list.handler";
import { listPaymentsSchema } from "./list.schema";
import { merchantsHandler } from "./merchants.handler";
import { refundHandler } from "./refund.handler";
import { refundSchema } from "./refund.schema";

export const paymentsRouter = router({
  list: procedureFor("VIEWER").input(listPaymentsSchema).query(listPaymentsHandler),
  detail: procedureFor("VIEWER").input(paymentDetailSchema).query(paymentDetailHandler),
  refund: procedureFor("OPERATOR").input(refundSchema).mutation(refundHandler),
  capture: procedureFor("OPERATOR").input(captureSchema).mutation(captureHandler),
  cancel: procedureFor("OPERATOR").input(cancelSchema).mutation(cancelHandler),
  merchants: procedureFor("VIEWER").query(merchantsHandler),
});
