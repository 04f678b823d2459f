// The erasure requests waiting for a second operator (issue 22), each with what approving it would erase now, as
// counts: the request stores the e-mail's blind index only, so no address is shown.
import { pendingErasureRequests } from "@paycore/db/repositories/customer-erasure-queries.repository";
import type { SignedInContext } from "../../trpc";

/** The page shows at most this many pending requests. */
const PENDING_SHOWN_MAX = 50;

export async function erasureRequestsHandler({ ctx }: { ctx: SignedInContext }) {
  const requests = await pendingErasureRequests(ctx.services.app.sql, PENDING_SHOWN_MAX);
  return requests.map((request) => ({ ...request, createdAt: request.createdAt.toISOString() }));
}
