import { procedureFor, router } from "../../trpc";
import { auditListHandler } from "./list.handler";
import { auditListSchema } from "./list.schema";
import { verifyChainHandler } from "./verify-chain.handler";

export const auditRouter = router({
  list: procedureFor("VIEWER").input(auditListSchema).query(auditListHandler),
  verifyChain: procedureFor("ADMIN").mutation(verifyChainHandler),
});
