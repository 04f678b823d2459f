import { procedureFor, router } from "../../trpc";
import { overviewHandler } from "./summary.handler";

export const overviewRouter = router({
  summary: procedureFor("VIEWER").query(overviewHandler),
});
