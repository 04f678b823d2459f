import { procedureFor, router } from "../../trpc";
import { auditListHandler } from "./list.handler";
import { auditListSchema } from "./list.schema";

export const auditRouter = router({
  list: procedureFor("VIEWER").input(auditListSchema).query(auditListHandler),
});
