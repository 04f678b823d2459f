// The reconciliation screens' procedures: runs, the open-items queue and one item (viewers and up); the item
// actions and the four-eyes decisions (operators and up), each through the core's commands, which write the
// change and its operator audit row in one transaction.
import { procedureFor, router } from "../../trpc";
import {
  acceptPspFigureHandler,
  decideApprovalHandler,
  itemActionHandler,
  linkPaymentHandler,
} from "./actions.handler";
import { approvalsHandler, itemHandler, itemsHandler, openCountHandler, runsHandler } from "./reads.handler";
import {
  approvalDecisionSchema,
  reconAcceptSchema,
  reconActionSchema,
  reconItemIdSchema,
  reconItemsSchema,
  reconLinkSchema,
  reconRunsSchema,
} from "./reconciliation.schema";

export const reconciliationRouter = router({
  runs: procedureFor("VIEWER").input(reconRunsSchema).query(runsHandler),
  items: procedureFor("VIEWER").input(reconItemsSchema).query(itemsHandler),
  item: procedureFor("VIEWER").input(reconItemIdSchema).query(itemHandler),
  openCount: procedureFor("VIEWER").query(openCountHandler),
  approvals: procedureFor("VIEWER").query(approvalsHandler),
  act: procedureFor("OPERATOR").input(reconActionSchema).mutation(itemActionHandler),
  acceptPspFigure: procedureFor("OPERATOR").input(reconAcceptSchema).mutation(acceptPspFigureHandler),
  linkPayment: procedureFor("OPERATOR").input(reconLinkSchema).mutation(linkPaymentHandler),
  decideApproval: procedureFor("OPERATOR").input(approvalDecisionSchema).mutation(decideApprovalHandler),
});
