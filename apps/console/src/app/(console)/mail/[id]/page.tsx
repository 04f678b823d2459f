// One received message: its envelope, its HTML rendered in a sandboxed frame (no scripts, no same-origin
// access to the console), and its text part.
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { handleProcedureError, requireOperator, serverCaller } from "../../../../trpc/server";
import { DateTime } from "../../format";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Mail ${id.slice(0, 64)}` };
}

export default async function MailDetailPage({ params }: { params: Promise<{ id: string }> }) {
  await requireOperator();
  const { id } = await params;
  if (!/^\d{1,19}$/.test(id)) notFound();
  const message = await (await serverCaller()).mail.detail({ id }).catch(handleProcedureError);
  return (
    <>
      <p>
        <Link href="/mail">← Mail</Link>
      </p>
      <h1>{message.subject ?? "(no subject)"}</h1>
      <dl className="card">
        <dt>From</dt>
        <dd>{message.from ?? "—"}</dd>
        <dt>To</dt>
        <dd>{message.to.join(", ")}</dd>
        <dt>Received</dt>
        <dd>
          <DateTime iso={message.receivedAt} />
        </dd>
        <dt>Size</dt>
        <dd>{message.sizeBytes} bytes</dd>
      </dl>
      {message.html ? (
        <iframe
          title="The message as HTML"
          sandbox=""
          srcDoc={message.html}
          style={{ width: "100%", minHeight: "28rem", border: "1px solid #ddd", background: "#fff" }}
        />
      ) : null}
      {message.text ? (
        <section aria-label="Text part">
          <h2>Text</h2>
          <pre className="json">{message.text}</pre>
        </section>
      ) : null}
    </>
  );
}
