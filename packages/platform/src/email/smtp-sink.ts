// The development SMTP sink: a real SMTP server (the npm `smtp-server` package) on loopback that accepts every
// message and stores it in Postgres (smtp_sink_messages), where the console lists and renders it. `npm start`
// runs it and points the mailer at it unless SMTP_URL names a real server; the email tests send to it. It is a
// development tool: no authentication, loopback only, a bounded message size.
import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import { createPool, Sql } from "@paycore/db/sql";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpSinkOptions {
  store: Pick<SmtpSinkRepository, "insert">;
  /** 0 picks a free port. */
  port: number;
  /** Loopback unless a test says otherwise; never expose the sink. */
  host?: string;
  /** Larger messages are refused with SMTP's 552. */
  messageSizeMaxBytes?: number;
  /** Called with a message that could not be stored (the client got a 451 and may retry). */
  onError?: (error: unknown) => void;
}

export interface SmtpSink {
  port: number;
  /** smtp://host:port, for the mailer. */
  url: string;
  close(): Promise<void>;
}

const DEFAULT_MESSAGE_SIZE_MAX_BYTES = 10 * 1024 * 1024;
const RECIPIENTS_MAX = 50;

export async function startSmtpSink(options: SmtpSinkOptions): Promise<SmtpSink> {
  const host = options.host ?? "127.0.0.1";
  const sizeMax = options.messageSizeMaxBytes ?? DEFAULT_MESSAGE_SIZE_MAX_BYTES;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: sizeMax,
    maxClients: 20,
    logger: false,
    banner: "paycore development sink",
    onRcptTo(_address, session, callback) {
      if (session.envelope.rcptTo.length >= RECIPIENTS_MAX) {
        callback(Object.assign(new Error("too many recipients"), { responseCode: 452 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= sizeMax) chunks.push(chunk);
      });
      stream.on("end", () => {
        if (stream.sizeExceeded || size > sizeMax) {
          callback(Object.assign(new Error("message too large"), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        const mailFrom = session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address;
        const rcptTo = session.envelope.rcptTo.map((recipient) => recipient.address);
        simpleParser(raw)
          .then((parsed) =>
            options.store.insert({
              mailFrom,
              rcptTo,
              subject: parsed.subject ?? null,
              textBody: parsed.text ?? null,
              htmlBody: typeof parsed.html === "string" ? parsed.html : null,
              raw,
            }),
          )
          .then(
            () => callback(),
            (error: unknown) => {
              options.onError?.(error);
              callback(Object.assign(new Error("could not store the message"), { responseCode: 451 }));
            },
          );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    port,
    url: `smtp://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `npm start`'s sink: its own small pool on the app's database, closed with it. */
export async function startDevelopmentSink(options: {
  databaseUrl: string;
  port: number;
  onError: (error: unknown) => void;
}): Promise<SmtpSink> {
  const pool = createPool({ url: options.databaseUrl, max: 2 });
  try {
    const sink = await startSmtpSink({
      store: new SmtpSinkRepository(new Sql(pool)),
      port: options.port,
      onError: options.onError,
    });
    return {
      ...sink,
      async close() {
        await sink.close();
        await pool.end();
      },
    };
  } catch (error) {
    await pool.end();
    throw error;
  }
}
