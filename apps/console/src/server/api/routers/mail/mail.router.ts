import { procedureFor, router } from "../../trpc";
import { mailDetailHandler } from "./detail.handler";
import { mailListHandler } from "./list.handler";
import { mailDetailSchema, mailListSchema } from "./list.schema";

export const mailRouter = router({
  list: procedureFor("VIEWER").input(mailListSchema).query(mailListHandler),
  detail: procedureFor("VIEWER").input(mailDetailSchema).query(mailDetailHandler),
});
