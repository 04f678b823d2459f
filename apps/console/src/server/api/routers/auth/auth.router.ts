import { procedureAtStage, procedureFor, publicProcedure, router } from "../../trpc";
import { meHandler } from "./me.handler";
import { signInHandler } from "./sign-in.handler";
import { signInSchema } from "./sign-in.schema";
import { signOutHandler } from "./sign-out.handler";
import { throttledAccountsHandler } from "./throttled-accounts.handler";
import { totpBeginHandler } from "./totp-begin.handler";
import { totpConfirmHandler } from "./totp-confirm.handler";
import { totpDisableHandler } from "./totp-disable.handler";
import { secondFactorSchema, totpCodeSchema } from "./two-factor.schema";
import { verifySecondFactorHandler } from "./verify-second-factor.handler";

export const authRouter = router({
  signIn: publicProcedure.input(signInSchema).mutation(signInHandler),
  // Also from the second step or enrolment: a half-signed-in session can still be ended.
  signOut: procedureAtStage("second_factor", "enrol", "ready").mutation(signOutHandler),
  me: publicProcedure.query(meHandler),
  throttledAccounts: procedureFor("ADMIN").query(throttledAccountsHandler),
  verifySecondFactor: procedureAtStage("second_factor")
    .input(secondFactorSchema)
    .mutation(verifySecondFactorHandler),
  totpBegin: procedureAtStage("enrol", "ready").mutation(totpBeginHandler),
  totpConfirm: procedureAtStage("enrol", "ready").input(totpCodeSchema).mutation(totpConfirmHandler),
  totpDisable: procedureAtStage("ready").input(totpCodeSchema).mutation(totpDisableHandler),
});
