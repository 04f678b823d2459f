import { procedureFor, router } from "../../trpc";
import {
  createPspAccountHandler,
  listPspAccountsHandler,
  registeredPspsHandler,
  rotatePspSecretHandler,
  setPspAccountEnabledHandler,
  testPspConnectionHandler,
} from "./psp-accounts.handler";
import {
  createPspAccountSchema,
  rotatePspSecretSchema,
  setPspAccountEnabledSchema,
  testPspConnectionSchema,
} from "./psp-accounts.schema";

/** Credentials that move real money: admins only, every action audited. */
export const pspAccountsRouter = router({
  list: procedureFor("ADMIN").query(listPspAccountsHandler),
  psps: procedureFor("ADMIN").query(registeredPspsHandler),
  create: procedureFor("ADMIN").input(createPspAccountSchema).mutation(createPspAccountHandler),
  rotateSecret: procedureFor("ADMIN").input(rotatePspSecretSchema).mutation(rotatePspSecretHandler),
  setEnabled: procedureFor("ADMIN").input(setPspAccountEnabledSchema).mutation(setPspAccountEnabledHandler),
  testConnection: procedureFor("ADMIN").input(testPspConnectionSchema).mutation(testPspConnectionHandler),
});
