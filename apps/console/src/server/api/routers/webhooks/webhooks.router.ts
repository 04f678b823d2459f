import { procedureFor, router } from "../../trpc";
import {
  createEndpointHandler,
  endpointStateHandler,
  rollSecretHandler,
  updateEndpointHandler,
} from "./endpoints.handler";
import {
  createEndpointSchema,
  endpointStateSchema,
  rollSecretSchema,
  updateEndpointSchema,
} from "./endpoints.schema";
import { webhooksOverviewHandler } from "./overview.handler";
import { webhooksOverviewSchema } from "./overview.schema";
import { replayHandler } from "./replay.handler";
import { replaySchema } from "./replay.schema";

export const webhooksRouter = router({
  overview: procedureFor("VIEWER").input(webhooksOverviewSchema).query(webhooksOverviewHandler),
  replay: procedureFor("OPERATOR").input(replaySchema).mutation(replayHandler),
  createEndpoint: procedureFor("OPERATOR").input(createEndpointSchema).mutation(createEndpointHandler),
  updateEndpoint: procedureFor("OPERATOR").input(updateEndpointSchema).mutation(updateEndpointHandler),
  setEndpointState: procedureFor("OPERATOR").input(endpointStateSchema).mutation(endpointStateHandler),
  rollSecret: procedureFor("OPERATOR").input(rollSecretSchema).mutation(rollSecretHandler),
});
