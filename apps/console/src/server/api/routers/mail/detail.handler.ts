// One message the development SMTP sink received, with its bodies for rendering.

import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import { TRPCError } from "@trpc/server";
import type { SignedInContext } from "../../trpc";
import type { MailSummaryView } from "./list.handler";
import type { MailDetailInput } from "./list.schema";

export interface MailDetailView extends MailSummaryView {
  text: string | null;
  html: string | null;
  sizeBytes: number;
}

export async function mailDetailHandler({
  ctx,
  input,
}: {
  ctx: SignedInContext;
  input: MailDetailInput;
}): Promise<MailDetailView> {
  const row = await new SmtpSinkRepository(ctx.services.app.sql).findById(BigInt(input.id));
  if (row === null) throw new TRPCError({ code: "NOT_FOUND", message: "No such message." });
  return {
    id: row.id.toString(),
    from: row.mailFrom,
    to: row.rcptTo,
    subject: row.subject,
    receivedAt: row.receivedAt.toISOString(),
    text: row.textBody,
    html: row.htmlBody,
    sizeBytes: row.sizeBytes,
  };
}
