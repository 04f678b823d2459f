import { EVIDENCE_FILE_MAX_BYTES, EVIDENCE_FILES_MAX } from "@paycore/core/disputes/dispute-evidence";
import { z } from "zod";
import { plainText } from "../../text.schema";

/** Base64 of at most EVIDENCE_FILE_MAX_BYTES bytes. */
const BASE64_MAX = Math.ceil(EVIDENCE_FILE_MAX_BYTES / 3) * 4;

export const addDocumentsSchema = z.object({
  merchantId: plainText().min(1).max(64),
  files: z
    .array(
      z.object({
        filename: plainText().min(1).max(255),
        base64: z
          .string()
          .max(BASE64_MAX, `A file is at most ${EVIDENCE_FILE_MAX_BYTES / 1024} KiB.`)
          .regex(/^[A-Za-z0-9+/]*={0,2}$/, "not base64"),
      }),
    )
    .min(1)
    .max(EVIDENCE_FILES_MAX),
});
export type AddDocumentsInput = z.infer<typeof addDocumentsSchema>;
