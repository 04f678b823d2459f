// Customers' personal data (issue 22): erasure on request, admin only, four eyes.
import { procedureFor, router } from "../../trpc";
import { requestErasureHandler } from "./request-erasure.handler";
import { requestErasureSchema } from "./request-erasure.schema";

export const customersRouter = router({
  requestErasure: procedureFor("ADMIN").input(requestErasureSchema).mutation(requestErasureHandler),
});
