// Outgoing mail over SMTP with nodemailer, to the server SMTP_URL names (the development sink by default, see
// docs/operations.md). One pooled transport per process; every send is bounded by its timeouts, so a server
// that hangs fails the attempt (the email-delivery worker retries it) instead of holding a worker forever.
import nodemailer, { type Transporter } from "nodemailer";

export interface MailerConfig {
  /** smtp://host:port or smtps://user:pass@host:port. */
  smtpUrl: string;
  /** The From address: "Receipts <receipts@example.com>". */
  from: string;
  /** Bounds on each phase of a conversation with the server. */
  timeoutMs?: number;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  /** Resolves with the server's message id once it accepted the message; throws when it did not. */
  send(mail: OutgoingMail): Promise<string | null>;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createMailer(config: MailerConfig): Mailer {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const transport: Transporter = nodemailer.createTransport(config.smtpUrl, {
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // The sink and most relays on loopback speak plain SMTP; a server that offers STARTTLS still gets it.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail) {
      const info = await transport.sendMail({
        from: config.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments ?? [],
      });
      // Nodemailer resolves when at least one recipient was accepted; ours are single-recipient.
      if (info.rejected.length > 0) throw new Error("the SMTP server rejected the recipient");
      return typeof info.messageId === "string" ? info.messageId : null;
    },
    close() {
      transport.close();
    },
  };
}
