import { procedureFor, router } from "../../trpc";
import { retryPayoutHandler, setPausedHandler } from "./actions.handler";
import { retryPayoutSchema, setPausedSchema } from "./actions.schema";
import { payoutsOverviewHandler } from "./overview.handler";
import { payoutsOverviewSchema } from "./overview.schema";

export const payoutsRouter = router({
  overview: procedureFor("VIEWER").input(payoutsOverviewSchema).query(payoutsOverviewHandler),
  setPaused: procedureFor("OPERATOR").input(setPausedSchema).mutation(setPausedHandler),
  retry: procedureFor("OPERATOR").input(retryPayoutSchema).mutation(retryPayoutHandler),
});
