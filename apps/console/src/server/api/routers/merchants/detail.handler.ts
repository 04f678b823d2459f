// One merchant: settings, balances per currency in both modes (the ledger's own read path) and its API keys.
import type { MerchantActor } from "@paycore/core/payments/payment-record";
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { MerchantDetailInput } from "./detail.schema";
import { type ApiKeyView, apiKeyView, type MerchantView, merchantView } from "./merchant-view";

export interface BalanceView {
  mode: "TEST" | "LIVE";
  currency: string;
  availableMinor: string;
  pendingMinor: string;
  reservedMinor: string;
  feesMinor: string;
}

export interface MerchantDetailView {
  merchant: MerchantView;
  balances: BalanceView[];
  keys: ApiKeyView[];
  /** Browser origins its publishable keys may be used from, and that may frame the hosted card fields. */
  allowedOrigins: string[];
}

export async function merchantDetailHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: MerchantDetailInput;
}): Promise<MerchantDetailView> {
  const { merchants, queries } = ctx.services.app.services;
  const merchant = await merchants.findById(input.merchantId);
  if (!merchant) throw new TRPCError({ code: "NOT_FOUND", message: "No merchant with this id." });
  const modes = ["TEST", "LIVE"] as const;
  const [balances, keys, policy] = await Promise.all([
    Promise.all(
      modes.map(async (mode) => {
        const actor: MerchantActor = { merchantId: merchant.id, mode, apiKeyId: null };
        return (await queries.balances(actor)).map((balance) => ({
          mode,
          currency: balance.currency,
          availableMinor: balance.availableMinor.toString(),
          pendingMinor: balance.pendingMinor.toString(),
          reservedMinor: balance.reservedMinor.toString(),
          feesMinor: balance.feesMinor.toString(),
        }));
      }),
    ),
    merchants.listKeys(merchant.id),
    merchants.findAccessPolicy(merchant.id),
  ]);
  return {
    merchant: merchantView(merchant),
    balances: balances.flat(),
    keys: keys.map(apiKeyView),
    allowedOrigins: policy?.allowedOrigins ?? [],
  };
}
