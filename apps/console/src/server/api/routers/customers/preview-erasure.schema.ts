import { z } from "zod";
import { plainText } from "../../text.schema";

export const previewErasureSchema = z.object({
  merchantId: plainText().min(1).max(64),
  email: plainText().min(3).max(320),
});
