// Sanctions screening in the console (issue 22): the hits to review and an operator's decision on one.
import { procedureFor, router } from "../../trpc";
import { decideHitHandler } from "./decide.handler";
import { decideHitSchema } from "./decide.schema";
import { sanctionsHitHandler } from "./hit.handler";
import { sanctionsHitSchema } from "./hit.schema";
import { sanctionsHitsHandler } from "./hits.handler";

export const sanctionsRouter = router({
  hits: procedureFor("VIEWER").query(sanctionsHitsHandler),
  hit: procedureFor("VIEWER").input(sanctionsHitSchema).query(sanctionsHitHandler),
  decide: procedureFor("OPERATOR").input(decideHitSchema).mutation(decideHitHandler),
});
