// The operator audit log: every console action with who, what, when, and the target before and after side by
// side; the search's results export as CSV.
import type { Metadata } from "next";
import Link from "next/link";
import { CSV_EXPORT_MAX_ROWS } from "../../../server/export/export-limits";
import { handleProcedureError, requireOperator, serverCaller } from "../../../trpc/server";
import { AuditChange } from "../audit-change";
import { ActionName, DateTime } from "../format";
import { VerifyChainButton } from "./verify-chain-button";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audit log" };

type SearchParams = Record<string, string | string[] | undefined>;

function one(params: SearchParams, key: string): string {
  const value = params[key];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? "";
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const me = await requireOperator();
  const params = await searchParams;
  const search = one(params, "q");
  const before = one(params, "before");
  const { entries, nextBefore } = await (await serverCaller()).audit
    .list({ search: search || null, before: /^\d+$/.test(before) ? before : null })
    .catch(handleProcedureError);
  const next = nextBefore
    ? `/audit?${new URLSearchParams({ ...(search ? { q: search } : {}), before: nextBefore })}`
    : null;
  return (
    <>
      <h1>Audit log</h1>
      {me.role === "ADMIN" ? <VerifyChainButton /> : null}
      <form className="filters card" method="get" action="/audit">
        <label className="field">
          Search
          <input
            name="q"
            type="search"
            defaultValue={search}
            placeholder="action (payment.refund), target id, operator email"
            size={48}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <div className="list-header">
        <p className="muted">
          {search ? (
            <>
              Entries matching <strong>{search}</strong>, newest first. <Link href="/audit">Show all</Link>
            </>
          ) : (
            "Newest first."
          )}
        </p>
        <p>
          <a href={`/audit/export${search ? `?${new URLSearchParams({ q: search })}` : ""}`} download>
            Export CSV
          </a>{" "}
          <span className="muted small">(up to {CSV_EXPORT_MAX_ROWS.toLocaleString("en-US")} rows)</span>
        </p>
      </div>
      <table className="responsive">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id}>
              <td data-label="When">
                <DateTime iso={entry.createdAt} />
              </td>
              <td data-label="Who">{entry.operatorEmail ?? <span className="muted">—</span>}</td>
              <td className="mono" data-label="Action">
                <ActionName action={entry.action} />
              </td>
              <td className="mono" data-label="Target">
                {entry.targetType}
                {entry.targetId ? (
                  <>
                    {" "}
                    {entry.targetType === "payment" ? (
                      <Link href={`/payments/${entry.targetId}`}>{entry.targetId}</Link>
                    ) : (
                      entry.targetId
                    )}
                  </>
                ) : null}
              </td>
              <td data-label="Change">
                <AuditChange before={entry.before} after={entry.after} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 ? <p className="muted">No entries.</p> : null}
      <nav className="pager" aria-label="Pages">
        {before ? (
          <Link href={search ? `/audit?q=${encodeURIComponent(search)}` : "/audit"}>Newest</Link>
        ) : null}
        {next ? <Link href={next}>Older</Link> : null}
      </nav>
    </>
  );
}
