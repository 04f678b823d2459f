import { procedureFor, router } from "../../trpc";
import { reviewDecisionHandler } from "./decide.handler";
import { reviewDecisionSchema } from "./decide.schema";
import { reviewQueueHandler } from "./queue.handler";

export const reviewsRouter = router({
  queue: procedureFor("VIEWER").query(reviewQueueHandler),
  approve: procedureFor("OPERATOR").input(reviewDecisionSchema).mutation(reviewDecisionHandler("approve")),
  reject: procedureFor("OPERATOR").input(reviewDecisionSchema).mutation(reviewDecisionHandler("reject")),
});
