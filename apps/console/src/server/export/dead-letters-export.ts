// Dead letters as CSV: the list's state filter, newest first, without payloads (each letter's page shows its own).
import {
  DEAD_LETTER_PAGE_MAX,
  type DeadLetterListItem,
} from "@paycore/db/repositories/dead-letter-store.repository";
import { z } from "zod";
import type { CsvExport } from "./export-route";

const deadLetterExportSchema = z
  .object({ state: z.enum(["OPEN", "REPLAYED", "DISMISSED", "ALL"]).default("OPEN") })
  .strict();

export const deadLettersExport: CsvExport<z.infer<typeof deadLetterExportSchema>, DeadLetterListItem> = {
  name: "dead-letters",
  minimumRole: "VIEWER",
  schema: deadLetterExportSchema,
  inputOf: (query) => {
    const state = query.get("state");
    return state === null ? {} : { state };
  },
  columns: [
    { header: "id", value: (row) => row.id },
    { header: "state", value: (row) => row.state },
    { header: "source", value: (row) => row.source },
    { header: "reference", value: (row) => row.reference },
    { header: "reason", value: (row) => row.reason },
    { header: "first_seen_at", value: (row) => row.createdAt },
    { header: "last_seen_at", value: (row) => row.lastSeenAt },
    { header: "seen_count", value: (row) => row.seenCount },
  ],
  async *pages(ctx, input, maxRows) {
    let remaining = maxRows;
    let beforeId: bigint | null = null;
    while (remaining > 0) {
      const page = await ctx.services.app.services.deadLetterReads.list({
        state: input.state === "ALL" ? null : input.state,
        beforeId,
        first: Math.min(DEAD_LETTER_PAGE_MAX, remaining),
      });
      if (page.letters.length === 0) return;
      yield page.letters;
      remaining -= page.letters.length;
      beforeId = page.nextBeforeId;
      if (beforeId === null) return;
    }
  },
};
