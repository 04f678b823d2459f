// Customers' personal data (issue 22): erasure on request, admin only, four eyes; its preview and the pending
// requests show counts, never the data.
import { procedureFor, router } from "../../trpc";
import { erasureRequestsHandler } from "./erasure-requests.handler";
import { previewErasureHandler } from "./preview-erasure.handler";
import { previewErasureSchema } from "./preview-erasure.schema";
import { requestErasureHandler } from "./request-erasure.handler";
import { requestErasureSchema } from "./request-erasure.schema";

export const customersRouter = router({
  previewErasure: procedureFor("ADMIN").input(previewErasureSchema).query(previewErasureHandler),
  erasureRequests: procedureFor("ADMIN").query(erasureRequestsHandler),
  requestErasure: procedureFor("ADMIN").input(requestErasureSchema).mutation(requestErasureHandler),
});
