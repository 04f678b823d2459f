import type { MerchantSummary } from "@paycore/db/repositories/console-query.repository";
import type { SignedInContext } from "../../trpc";

/** Merchants by name, for the payments filter and the list editor's picker. */
export function merchantsHandler({ ctx }: { ctx: SignedInContext }): Promise<MerchantSummary[]> {
  return ctx.services.consoleQueries.merchants();
}
