import { APPROVAL_REASON_LENGTH_MAX } from "@paycore/core/approvals/approval-commands";
import { z } from "zod";
import { freeText, plainText } from "../../text.schema";

export const requestErasureSchema = z.object({
  merchantId: plainText().min(1).max(64),
  email: plainText().min(3).max(320),
  reason: freeText({ multiline: true }).pipe(
    z.string().min(1, "Give a reason.").max(APPROVAL_REASON_LENGTH_MAX),
  ),
});
