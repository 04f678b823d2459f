// What the development SMTP sink (apps/api/src/email/smtp-sink.ts) received: stored as it arrived plus the parsed
// subject and bodies, for the console's page of sent mail and for tests that check a mail arrived.
import type { Sql } from "../sql";

export interface SinkMessageSummary {
  id: bigint;
  mailFrom: string | null;
  rcptTo: string[];
  subject: string | null;
  receivedAt: Date;
}

export interface SinkMessage extends SinkMessageSummary {
  textBody: string | null;
  htmlBody: string | null;
  /** The raw message's size in bytes. */
  sizeBytes: number;
}

export interface NewSinkMessage {
  mailFrom: string | null;
  rcptTo: string[];
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
  raw: Buffer;
}

/** Largest page a list returns. */
export const SINK_PAGE_SIZE_MAX = 100;

const SUMMARY = `id, mail_from AS "mailFrom", rcpt_to AS "rcptTo", subject, received_at AS "receivedAt"`;

export class SmtpSinkRepository {
  constructor(private readonly sql: Sql) {}

  async insert(message: NewSinkMessage): Promise<bigint> {
    const [row] = await this.sql.query<{ id: bigint }>(
      `INSERT INTO smtp_sink_messages (mail_from, rcpt_to, subject, text_body, html_body, raw)
       VALUES ($1, $2::text[], $3, $4, $5, $6) RETURNING id`,
      [message.mailFrom, message.rcptTo, message.subject, message.textBody, message.htmlBody, message.raw],
    );
    if (row === undefined) throw new Error("the sink message insert returned no row");
    return row.id;
  }

  /** Newest first; `beforeId` pages on. Optionally only mail to `to`. */
  list(options: {
    limit: number;
    beforeId?: bigint | null;
    to?: string | null;
  }): Promise<SinkMessageSummary[]> {
    const limit = Math.min(Math.max(1, Math.trunc(options.limit)), SINK_PAGE_SIZE_MAX);
    return this.sql.query<SinkMessageSummary>(
      `SELECT ${SUMMARY} FROM smtp_sink_messages
        WHERE ($2::bigint IS NULL OR id < $2) AND ($3::text IS NULL OR $3 = ANY (rcpt_to))
        ORDER BY id DESC LIMIT $1`,
      [limit, options.beforeId ?? null, options.to ?? null],
    );
  }

  async findById(id: bigint): Promise<SinkMessage | null> {
    const [row] = await this.sql.query<SinkMessage>(
      `SELECT ${SUMMARY}, text_body AS "textBody", html_body AS "htmlBody", octet_length(raw) AS "sizeBytes"
         FROM smtp_sink_messages WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }
}
