// The development SMTP sink's messages, newest first (read only: the sink itself stores them).
import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import type { SignedInContext } from "../../trpc";
import type { MailListInput } from "./list.schema";

export interface MailSummaryView {
  id: string;
  from: string | null;
  to: string[];
  subject: string | null;
  receivedAt: string;
}

export async function mailListHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: MailListInput;
}): Promise<{ messages: MailSummaryView[]; nextBefore: string | null }> {
  const rows = await new SmtpSinkRepository(ctx.services.app.sql).list({
    limit: input.first + 1,
    beforeId: input.before ? BigInt(input.before) : null,
    to: input.to || null,
  });
  const page = rows.slice(0, input.first);
  const last = page.at(-1);
  return {
    messages: page.map((row) => ({
      id: row.id.toString(),
      from: row.mailFrom,
      to: row.rcptTo,
      subject: row.subject,
      receivedAt: row.receivedAt.toISOString(),
    })),
    nextBefore: rows.length > input.first && last ? last.id.toString() : null,
  };
}
