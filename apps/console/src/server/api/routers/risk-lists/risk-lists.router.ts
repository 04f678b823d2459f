import { procedureFor, router } from "../../trpc";
import { addListEntryHandler } from "./add-list-entry.handler";
import { listEntriesHandler } from "./list-entries.handler";
import { removeListEntryHandler } from "./remove-list-entry.handler";
import { addListEntrySchema, removeListEntrySchema } from "./risk-list.schema";

export const riskListsRouter = router({
  list: procedureFor("VIEWER").query(listEntriesHandler),
  add: procedureFor("OPERATOR").input(addListEntrySchema).mutation(addListEntryHandler),
  remove: procedureFor("OPERATOR").input(removeListEntrySchema).mutation(removeListEntryHandler),
});
