import { procedureFor, router } from "../../trpc";
import { webhooksOverviewHandler } from "./overview.handler";
import { webhooksOverviewSchema } from "./overview.schema";
import { replayHandler } from "./replay.handler";
import { replaySchema } from "./replay.schema";

export const webhooksRouter = router({
  overview: procedureFor("VIEWER").input(webhooksOverviewSchema).query(webhooksOverviewHandler),
  replay: procedureFor("OPERATOR").input(replaySchema).mutation(replayHandler),
});
