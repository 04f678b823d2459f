// Console operator accounts: admins only, every change a core command that audits it in its own transaction.
import { procedureFor, router } from "../../trpc";
import { changeOperatorRoleHandler } from "./change-role.handler";
import { changeOperatorRoleSchema } from "./change-role.schema";
import { createOperatorHandler } from "./create.handler";
import { createOperatorSchema } from "./create.schema";
import { listOperatorsHandler } from "./list.handler";
import { operatorIdSchema } from "./operator-id.schema";
import { resetOperatorPasswordHandler } from "./reset-password.handler";
import { resetOperatorPasswordSchema } from "./reset-password.schema";
import { setOperatorDisabledHandler } from "./set-disabled.handler";
import { setOperatorDisabledSchema } from "./set-disabled.schema";
import { unlockOperatorHandler } from "./unlock.handler";

export const operatorsRouter = router({
  list: procedureFor("ADMIN").query(listOperatorsHandler),
  create: procedureFor("ADMIN").input(createOperatorSchema).mutation(createOperatorHandler),
  setDisabled: procedureFor("ADMIN").input(setOperatorDisabledSchema).mutation(setOperatorDisabledHandler),
  changeRole: procedureFor("ADMIN").input(changeOperatorRoleSchema).mutation(changeOperatorRoleHandler),
  resetPassword: procedureFor("ADMIN")
    .input(resetOperatorPasswordSchema)
    .mutation(resetOperatorPasswordHandler),
  unlock: procedureFor("ADMIN").input(operatorIdSchema).mutation(unlockOperatorHandler),
});
