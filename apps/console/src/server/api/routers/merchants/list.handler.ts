import type { SignedInContext } from "../../trpc";
import { type MerchantView, merchantView } from "./merchant-view";

/** Every merchant by name, with its fee and risk settings (bounded by the repository). */
export async function listMerchantsHandler({ ctx }: { ctx: SignedInContext }): Promise<MerchantView[]> {
  const merchants = await ctx.services.app.services.merchants.list();
  return merchants.map(merchantView);
}
