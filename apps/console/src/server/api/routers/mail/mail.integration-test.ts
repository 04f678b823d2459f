// Goal: what the development SMTP sink (a real SMTP server on 127.0.0.1) receives is listed newest first for any
// signed-in operator, filtered by recipient, paged, and shown with its HTML and text; a missing message is a 404.

import { SmtpSinkRepository } from "@paycore/db/repositories/smtp-sink.repository";
import { createMailer } from "@paycore/platform/email/mailer";
import { startSmtpSink } from "@paycore/platform/email/smtp-sink";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, createTestConsole, type TestConsole } from "../../../testing/test-console";

let c: TestConsole;
let viewer: Browser;

beforeAll(async () => {
  c = await createTestConsole();
  viewer = await c.signedIn("VIEWER");
});
afterAll(async () => {
  await c?.close();
});

describe("mail", () => {
  it("lists and shows what the sink received", async () => {
    const sink = await startSmtpSink({ store: new SmtpSinkRepository(c.t.app.sql), port: 0 });
    const mailer = createMailer({ smtpUrl: sink.url, from: "receipts@paycore.test" });
    try {
      for (const [to, subject] of [
        ["one@example.test", "Receipt #1 from Shop"],
        ["two@example.test", "Receipt #2 from Shop"],
        ["one@example.test", "Credit note #1 from Shop"],
      ] as const)
        await mailer.send({ to, subject, text: `${subject}\n`, html: `<p>${subject}</p>` });
    } finally {
      mailer.close();
      await sink.close();
    }
    const api = await viewer.api();
    const all = await api.mail.list({ first: 2 });
    expect(all.messages.map((message) => message.subject)).toEqual([
      "Credit note #1 from Shop",
      "Receipt #2 from Shop",
    ]);
    const older = await api.mail.list({ first: 2, before: all.nextBefore });
    expect(older.messages.map((message) => message.subject)).toEqual(["Receipt #1 from Shop"]);
    expect(older.nextBefore).toBeNull();
    const toOne = await api.mail.list({ to: "one@example.test" });
    expect(toOne.messages).toHaveLength(2);

    const detail = await api.mail.detail({ id: all.messages[0]?.id ?? "" });
    expect(detail).toMatchObject({
      from: "receipts@paycore.test",
      to: ["one@example.test"],
      html: "<p>Credit note #1 from Shop</p>",
    });
    expect(detail.text).toContain("Credit note #1 from Shop");
    await expect(api.mail.detail({ id: "999999999" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
