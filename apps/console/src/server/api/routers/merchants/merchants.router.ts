import { procedureFor, router } from "../../trpc";
import { createMerchantHandler } from "./create.handler";
import { createMerchantSchema } from "./create.schema";
import { createKeyHandler } from "./create-key.handler";
import { createKeySchema } from "./create-key.schema";
import { merchantCurrenciesHandler } from "./currencies.handler";
import { merchantDetailHandler } from "./detail.handler";
import { merchantDetailSchema } from "./detail.schema";
import { listMerchantsHandler } from "./list.handler";
import { revokeKeyHandler } from "./revoke-key.handler";
import { revokeKeySchema } from "./revoke-key.schema";
import { rollKeyHandler } from "./roll-key.handler";
import { rollKeySchema } from "./roll-key.schema";
import { rollSigningSecretHandler } from "./roll-signing-secret.handler";
import { rollSigningSecretSchema } from "./roll-signing-secret.schema";
import { setDisputeFeeHandler } from "./set-dispute-fee.handler";
import { setDisputeFeeSchema } from "./set-dispute-fee.schema";
import { setFixedFeeHandler } from "./set-fixed-fee.handler";
import { setFixedFeeSchema } from "./set-fixed-fee.schema";
import { setFundingFeeHandler } from "./set-funding-fee.handler";
import { setFundingFeeSchema } from "./set-funding-fee.schema";
import { setSettlementHandler } from "./set-settlement.handler";
import { setSettlementSchema } from "./set-settlement.schema";
import { setSignedRequestsHandler } from "./set-signed-requests.handler";
import { setSignedRequestsSchema } from "./set-signed-requests.schema";
import { signedRequestsHandler } from "./signed-requests.handler";
import { updateAllowedOriginsHandler } from "./update-allowed-origins.handler";
import { updateAllowedOriginsSchema } from "./update-allowed-origins.schema";
import { updateKeyOriginsHandler } from "./update-key-origins.handler";
import { updateKeyOriginsSchema } from "./update-key-origins.schema";
import { updateSettingsHandler } from "./update-settings.handler";
import { updateSettingsSchema } from "./update-settings.schema";

export const merchantsRouter = router({
  list: procedureFor("VIEWER").query(listMerchantsHandler),
  detail: procedureFor("VIEWER").input(merchantDetailSchema).query(merchantDetailHandler),
  create: procedureFor("ADMIN").input(createMerchantSchema).mutation(createMerchantHandler),
  updateSettings: procedureFor("ADMIN").input(updateSettingsSchema).mutation(updateSettingsHandler),
  updateAllowedOrigins: procedureFor("ADMIN")
    .input(updateAllowedOriginsSchema)
    .mutation(updateAllowedOriginsHandler),
  updateKeyOrigins: procedureFor("ADMIN").input(updateKeyOriginsSchema).mutation(updateKeyOriginsHandler),
  createKey: procedureFor("ADMIN").input(createKeySchema).mutation(createKeyHandler),
  rollKey: procedureFor("ADMIN").input(rollKeySchema).mutation(rollKeyHandler),
  revokeKey: procedureFor("ADMIN").input(revokeKeySchema).mutation(revokeKeyHandler),
  // Multiple currencies (issue 18): settlement currencies, FX fee, fixed fees per currency.
  currencies: procedureFor("VIEWER").input(merchantDetailSchema).query(merchantCurrenciesHandler),
  setSettlement: procedureFor("ADMIN").input(setSettlementSchema).mutation(setSettlementHandler),
  setFixedFee: procedureFor("ADMIN").input(setFixedFeeSchema).mutation(setFixedFeeHandler),
  // Fees per card funding type (issue 18).
  setFundingFee: procedureFor("ADMIN").input(setFundingFeeSchema).mutation(setFundingFeeHandler),
  // Signed requests (issue 22): the merchant's requirement and its keys' signing secrets.
  signedRequests: procedureFor("VIEWER").input(merchantDetailSchema).query(signedRequestsHandler),
  setSignedRequests: procedureFor("ADMIN").input(setSignedRequestsSchema).mutation(setSignedRequestsHandler),
  rollSigningSecret: procedureFor("ADMIN").input(rollSigningSecretSchema).mutation(rollSigningSecretHandler),
  setDisputeFee: procedureFor("ADMIN").input(setDisputeFeeSchema).mutation(setDisputeFeeHandler),
});
