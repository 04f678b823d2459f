import { procedureFor, publicProcedure, router } from "../../trpc";
import { meHandler } from "./me.handler";
import { signInHandler } from "./sign-in.handler";
import { signInSchema } from "./sign-in.schema";
import { signOutHandler } from "./sign-out.handler";
import { throttledAccountsHandler } from "./throttled-accounts.handler";

export const authRouter = router({
  signIn: publicProcedure.input(signInSchema).mutation(signInHandler),
  signOut: procedureFor("VIEWER").mutation(signOutHandler),
  me: publicProcedure.query(meHandler),
  throttledAccounts: procedureFor("ADMIN").query(throttledAccountsHandler),
});
