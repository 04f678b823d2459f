// Merchant onboarding and KYC (issue 22): the review queue, a merchant's onboarding, details entered for it,
// documents, and decisions (approve, restrict, reject with a note), all through the core's OnboardingCommands.
import { procedureFor, router } from "../../trpc";
import { addDocumentsHandler } from "./add-documents.handler";
import { addDocumentsSchema } from "./add-documents.schema";
import { decideHandler } from "./decide.handler";
import { decideSchema } from "./decide.schema";
import { onboardingDetailHandler } from "./detail.handler";
import { onboardingDetailSchema } from "./detail.schema";
import { onboardingQueueHandler } from "./queue.handler";
import { submitDetailsHandler } from "./submit-details.handler";
import { submitDetailsSchema } from "./submit-details.schema";

export const onboardingRouter = router({
  queue: procedureFor("VIEWER").query(onboardingQueueHandler),
  detail: procedureFor("VIEWER").input(onboardingDetailSchema).query(onboardingDetailHandler),
  submitDetails: procedureFor("OPERATOR").input(submitDetailsSchema).mutation(submitDetailsHandler),
  addDocuments: procedureFor("OPERATOR").input(addDocumentsSchema).mutation(addDocumentsHandler),
  decide: procedureFor("OPERATOR").input(decideSchema).mutation(decideHandler),
});
