// Mail the development SMTP sink received (receipts, credit notes): what customers would have been sent.
import type { Metadata } from "next";
import Link from "next/link";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { DateTime } from "../format";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Mail" };

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export default async function MailPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await requireOperator();
  const params = await searchParams;
  const to = one(params, "to").slice(0, 254);
  const before = one(params, "before");
  const { messages, nextBefore } = await (await serverCaller()).mail
    .list({ to: to || null, before: /^\d{1,19}$/.test(before) ? before : null })
    .catch(handleProcedureError);
  const next = nextBefore
    ? `/mail?${new URLSearchParams({ ...(to ? { to } : {}), before: nextBefore })}`
    : null;
  return (
    <>
      <h1>Mail</h1>
      <p className="muted">
        What the development SMTP sink received. With SMTP_URL set, mail goes to that server instead and does
        not appear here.
      </p>
      <form className="filters card" method="get" action="/mail">
        <label className="field">
          Recipient
          <input name="to" type="email" defaultValue={to} placeholder="customer@example.com" size={32} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <table className="responsive">
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">To</th>
            <th scope="col">Subject</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((message) => (
            <tr key={message.id}>
              <td data-label="Received">
                <DateTime iso={message.receivedAt} />
              </td>
              <td data-label="To">{message.to.join(", ")}</td>
              <td data-label="Subject">
                <Link href={`/mail/${message.id}`}>{message.subject ?? "(no subject)"}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {messages.length === 0 ? <p className="muted">No mail.</p> : null}
      <nav className="pager" aria-label="Pages">
        {before ? <Link href={to ? `/mail?to=${encodeURIComponent(to)}` : "/mail"}>Newest</Link> : null}
        {next ? <Link href={next}>Older</Link> : null}
      </nav>
    </>
  );
}
